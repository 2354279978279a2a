// Runs: the list (filters, counts, keyset pages) and one run with everything it did.
import type Router from '@koa/router';
import { listRuns, runFacts } from '../../persistence/readModel.ts';
import { runCounts } from '../../persistence/runCounts.ts';
import { getRun, type RunRow } from '../../persistence/runs.ts';
import { runCorrections } from '../../persistence/corrections.ts';
import { runDeliveries } from '../../persistence/deliveries.ts';
import type { AppDeps } from '../deps.ts';
import { approverOf } from '../auth.ts';
import { notFound } from '../errors.ts';
import { IdParam, parseParam, parseQuery, RunsQuery } from '../schemas.ts';

const hoursAgo = (now: Date, h: number | undefined) => (h === undefined ? undefined : new Date(now.getTime() - h * 3_600_000));

export function runRoutes(router: Router, deps: AppDeps): void {
  router.get('/runs', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const q = parseQuery(ctx, RunsQuery);
    const now = deps.clock.now();
    const page = await listRuns(deps.sql, {
      status: q.status,
      customer_id: q.customer_id,
      created_before: hoursAgo(now, q.older_than_hours),
      created_after: hoursAgo(now, q.newer_than_hours),
      cursor: q.cursor,
      limit: q.limit,
    });
    ctx.body = Object.assign({}, page, { counts: await runCounts(deps.sql) });
  });

  router.get('/runs/:id', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const id = parseParam(ctx, 'id', IdParam);
    const run = await getRun(deps.sql, id);
    if (!run) throw notFound(`run ${id} does not exist`);
    ctx.body = await runView(deps, run);
  });
}

export async function runView(deps: Pick<AppDeps, 'sql'>, run: RunRow) {
  const [facts, corrections, deliveries] = await Promise.all([runFacts(deps.sql, run.id), runCorrections(deps.sql, run.id), runDeliveries(deps.sql, run.id)]);
  // The stored context as the machine persisted it: shown as JSON, so its fields need no type here.
  const context = run.snapshot.context;
  return {
    run_id: run.id,
    workflow_type: run.workflow_type,
    email_uuid: run.email_uuid,
    status: run.status,
    state: run.state_value,
    machine_version: run.machine_version,
    customer_id: run.customer_id,
    invoked_by: run.invoked_by,
    created_at: run.created_at,
    updated_at: run.updated_at,
    // As corrected by the approver; what the reader found is in `corrections` (from).
    extraction: context.extraction ?? null,
    corrections,
    deliveries: deliveries.map((d) => ({
      proposed_action_id: d.proposed_action_id,
      channel: d.channel,
      status: d.status,
      message_id: d.message_id,
      to: d.to,
      subject: d.subject,
      attempts: d.attempts,
      last_error: d.last_error,
      sent_at: d.sent_at,
    })),
    warnings: context.warnings ?? [],
    steps: context.steps ?? null,
    decision: context.decision ?? null,
    outcome: context.outcome ?? null,
    context,
    journal: facts.journal,
    proposed_actions: facts.proposals,
    approval_decisions: facts.decisions,
    timers: facts.timers,
    verify_results: facts.verify,
    alerts: facts.alerts,
    outbox: facts.outbox,
    run_log: facts.runLog,
    reflexion: facts.reflexion,
    ledger_events: facts.ledger,
    side_effects: sideEffects(facts),
  };
}

/** The contract's "what changes when this workflow runs" table, for this run's actual rows. */
function sideEffects(f: Awaited<ReturnType<typeof runFacts>>) {
  const rows: { system: string; table: string; action: string; ref: string; status: string }[] = [];
  for (const p of f.proposals) rows.push({ system: 'PostgreSQL', table: 'proposed_actions', action: `INSERT (action_type=${p.action_type}, entity_type=${p.entity_type})`, ref: `proposed_action ${p.id}`, status: String(p.status) });
  if (f.runLog) rows.push({ system: 'PostgreSQL', table: 'workflow_run_log', action: 'INSERT (run summary)', ref: `status ${f.runLog.status}`, status: 'written' });
  if (f.reflexion) rows.push({ system: 'PostgreSQL', table: 'reflexion_log', action: `INSERT (tags=${(f.reflexion.tags as string[]).join(', ')})`, ref: 'narrative', status: 'written' });
  for (const e of f.ledger) rows.push({ system: 'Event ledger', table: 'event_ledger', action: String(e.event_type), ref: String(e.idempotency_key), status: 'recorded' });
  for (const v of f.verify) rows.push({ system: 'PostgreSQL', table: 'workflow_verify_results', action: `check ${v.check_name}`, ref: `due ${new Date(v.due_at as string).toISOString()}`, status: String(v.status) });
  for (const a of f.alerts) rows.push({ system: 'PostgreSQL', table: 'alerts', action: String(a.kind), ref: String(a.step ?? ''), status: 'raised' });
  for (const o of f.outbox) rows.push({ system: 'Outbox', table: 'outbox', action: String(o.kind), ref: String(o.idempotency_key), status: String(o.status) });
  return rows;
}
