// Read-side queries for the API and the pages: lists with keyset pagination, and everything about one run.
import type { Sql } from './connect.ts';
import { numberList } from './lists.ts';
import { proposalViewColumns, withEtag, type ProposalRow, type ProposedAction } from './proposals.ts';

export interface RunFilter {
  status?: string | undefined;
  customer_id?: number | undefined;
  created_before?: Date | undefined;
  created_after?: Date | undefined;
  cursor?: number | undefined;
  limit: number;
}

export async function listRuns(sql: Sql, f: RunFilter) {
  const rows = await sql<Record<string, unknown>[]>`
    SELECT id AS run_id, workflow_type, email_uuid, status, state_value AS state, customer_id, invoked_by, event_count,
           snapshot->'context'->'extraction'->>'invoice_ref' AS invoice_ref,
           snapshot->'context'->'extraction'->>'reason_code' AS reason_code,
           created_at, updated_at
    FROM runs
    WHERE true
      ${f.status ? sql`AND status = ${f.status}` : sql``}
      ${f.customer_id ? sql`AND customer_id = ${f.customer_id}` : sql``}
      ${f.created_before ? sql`AND created_at < ${f.created_before}` : sql``}
      ${f.created_after ? sql`AND created_at >= ${f.created_after}` : sql``}
      ${f.cursor ? sql`AND id < ${f.cursor}` : sql``}
    ORDER BY id DESC
    LIMIT ${f.limit + 1}`;
  return page(rows, f.limit, 'run_id');
}

export interface ProposalFilter {
  status?: string | undefined;
  action_type?: string | undefined;
  run_id?: number | undefined;
  cursor?: number | undefined;
  limit: number;
}

export async function listProposals(sql: Sql, f: ProposalFilter) {
  const rows = await sql<ProposalRow[]>`
    SELECT ${proposalViewColumns(sql)} FROM proposed_actions p LEFT JOIN approval_decisions d ON d.proposed_action_id = p.id
    WHERE true
      ${f.status ? sql`AND p.status = ${f.status}` : sql``}
      ${f.action_type ? sql`AND p.action_type = ${f.action_type}` : sql``}
      ${f.run_id ? sql`AND p.run_id = ${f.run_id}` : sql``}
      ${f.cursor ? sql`AND p.id < ${f.cursor}` : sql``}
    ORDER BY p.id DESC
    LIMIT ${f.limit + 1}`;
  return page(rows.map(withEtag), f.limit, 'id');
}

function page<T extends object>(rows: T[], limit: number, key: keyof T) {
  const items = rows.slice(0, limit);
  const next = rows.length > limit ? String(items.at(-1)![key]) : null;
  return { items, next_cursor: next };
}

/** Everything written on behalf of one run, for the run page and its "what changed" table. */
export async function runFacts(sql: Sql, runId: number) {
  const [journal, proposals, decisions, timers, verify, runLog, reflexion, ledger, alerts, outbox] = await Promise.all([
    sql`SELECT seq, event, state_before, state_after, effects, at FROM run_journal WHERE run_id = ${runId} ORDER BY seq`,
    // The same view as GET /proposed-actions: with the approver's edits and the delivery.
    sql<ProposalRow[]>`SELECT ${proposalViewColumns(sql)} FROM proposed_actions p LEFT JOIN approval_decisions d ON d.proposed_action_id = p.id
        WHERE p.run_id = ${runId} ORDER BY p.id`,
    sql`SELECT proposed_action_id, decision, decided_by, note, shown_sha256, decided_at FROM approval_decisions WHERE run_id = ${runId} ORDER BY id`,
    sql`SELECT name, event, due_at, created_at FROM timers WHERE run_id = ${runId} ORDER BY due_at`,
    sql`SELECT check_name, sql_check, params, status, due_at, checked_at, detail FROM workflow_verify_results WHERE run_id = ${runId} ORDER BY id`,
    sql`SELECT * FROM workflow_run_log WHERE run_id = ${runId}`,
    sql`SELECT narrative, tags, created_at FROM reflexion_log WHERE run_id = ${runId}`,
    sql`SELECT event_type, idempotency_key, payload, created_at FROM event_ledger WHERE run_id = ${runId} ORDER BY id`,
    sql`SELECT step, kind, message, detail, created_at FROM alerts WHERE run_id = ${runId} ORDER BY id`,
    sql`SELECT kind, idempotency_key, status, attempts, next_attempt_at, last_error, delivered_at FROM outbox WHERE run_id = ${runId} ORDER BY id`,
  ]);
  return { journal, proposals: proposals.map(withEtag), decisions, timers, verify, runLog: runLog[0] ?? null, reflexion: reflexion[0] ?? null, ledger, alerts, outbox };
}

/** What the approvals page shows of a run: the fields of GET /runs/:id it reads, without the journal. */
export interface ApprovalRun {
  run_id: number;
  status: string;
  state: unknown;
  extraction: unknown;
  warnings: unknown[];
  corrections: Record<string, unknown>[];
  proposed_actions: (ProposedAction & { etag: string })[];
  updated_at: Date;
}

/**
 * The runs behind a page of proposals (GET /proposed-actions?include=run), in three queries whatever the
 * number of runs: the approvals page asked GET /runs/:id once per pending run.
 */
export async function approvalRuns(sql: Sql, runIds: number[]): Promise<ApprovalRun[]> {
  const ids = [...new Set(runIds)];
  if (ids.length === 0) return [];
  // One value, not a placeholder per run (persistence/lists.ts): a page of any size is the same statements.
  const list = numberList(ids);
  const [runs, proposals, corrections] = await Promise.all([
    sql<Omit<ApprovalRun, 'corrections' | 'proposed_actions'>[]>`
      SELECT id AS run_id, status, state_value AS state, snapshot->'context'->'extraction' AS extraction,
             coalesce(snapshot->'context'->'warnings', '[]'::jsonb) AS warnings, updated_at
      FROM runs WHERE id = ANY(${list}::bigint[]) ORDER BY id`,
    sql<ProposalRow[]>`
      SELECT ${proposalViewColumns(sql)} FROM proposed_actions p LEFT JOIN approval_decisions d ON d.proposed_action_id = p.id
      WHERE p.run_id = ANY(${list}::bigint[]) ORDER BY p.id`,
    sql<(Record<string, unknown> & { run_id: number })[]>`
      SELECT run_id, field, from_value AS "from", to_value AS "to", corrected_by AS by, corrected_at AS at, proposed_action_id
      FROM corrections WHERE run_id = ANY(${list}::bigint[]) ORDER BY id`,
  ]);
  const byRun = new Map(runs.map((r) => [r.run_id, Object.assign({}, r, { corrections: [] as Record<string, unknown>[], proposed_actions: [] as (ProposedAction & { etag: string })[] })]));
  for (const p of proposals) byRun.get(p.run_id)?.proposed_actions.push(withEtag(p));
  for (const { run_id, ...c } of corrections) byRun.get(run_id)?.corrections.push(c);
  return [...byRun.values()];
}
