// Queries on proposed_actions and approval_decisions.
import { createHash } from 'node:crypto';
import type { Db, Sql, Tx } from './connect.ts';
import { deliveryStatus } from './deliveries.ts';

export interface ProposedAction {
  id: number;
  run_id: number;
  step: string;
  action_type: string;
  entity_type: string;
  entity_ref: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  proposed_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
}

/** A proposal as the API shows it: its etag, the approver's edits, and where its delivery stands. */
export interface ProposalView extends ProposedAction {
  etag: string;
  edits: { subject?: string; body?: string } | null;
  delivery: { channel: string; status: 'queued' | 'sent' | 'failed'; message_id: string | null; attempts: number; last_error: string | null; sent_at: Date | null } | null;
}

/** The hash of a payload as shown: the ETag an approval must match, and what the decision row keeps. */
export const payloadEtag = (payload: unknown) => createHash('sha256').update(JSON.stringify(payload)).digest('hex');

/** A ProposalView's delivery column; `p` is proposed_actions. */
const deliveryColumn = (sql: Db) => sql`
  (SELECT json_build_object('channel', o.channel,
            'status', ${deliveryStatus(sql)},
            'message_id', o.message_id, 'attempts', o.attempts, 'last_error', o.last_error, 'sent_at', o.delivered_at)
     FROM outbox o WHERE o.proposed_action_id = p.id) AS delivery`;

/** The columns of a ProposalView; `p` is proposed_actions. */
export const proposalViewColumns = (sql: Db) => sql`p.*, d.edits, ${deliveryColumn(sql)}`;

export const withEtag = <T extends ProposedAction>(row: T): T & { etag: string } => ({ ...row, etag: payloadEtag(row.payload) });

export async function stageProposal(
  sql: Tx,
  p: { run_id: number; step: string; action_type: string; entity_type: string; entity_ref: string; payload: unknown; now: Date },
): Promise<number> {
  const [row]: [{ id: number }?] = await sql`
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
    VALUES (${p.run_id}, ${p.step}, ${p.action_type}, ${p.entity_type}, ${p.entity_ref}, ${sql.json(p.payload as never)}, 'pending', ${p.now})
    RETURNING id`;
  return row!.id;
}

export class DecisionConflictError extends Error {
  readonly code = 'conflict';
}

/** Records a decision as a fact; a second decision on the same action is a conflict. */
export async function decide(
  sql: Tx,
  d: {
    action_id: number;
    decision: 'approved' | 'rejected' | 'expired';
    by: string;
    note: string | null;
    now: Date;
    edits?: { subject?: string | undefined; body?: string | undefined } | undefined;
    /**
     * The payload's hash (payloadEtag) as the caller read it in this transaction: the decision and its row go
     * in one statement. Without it, the proposal's payload is read back by the update and hashed here.
     */
    shown_sha256?: string | undefined;
  },
): Promise<ProposedAction> {
  const edits = d.edits && Object.keys(d.edits).length ? sql.json(d.edits as never) : null;
  const update = sql<ProposedAction[]>`
    UPDATE proposed_actions SET status = ${d.decision}, decided_at = ${d.now}, decided_by = ${d.by}, decision_note = ${d.note}
    WHERE id = ${d.action_id} AND status = 'pending'
    RETURNING *`;
  const [row] = d.shown_sha256
    ? await sql<ProposedAction[]>`
      WITH decided AS (${update}),
      recorded AS (
        INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at, edits)
        SELECT id, run_id, ${d.decision}, ${d.by}, ${d.note}, ${d.shown_sha256}, ${d.now}, ${edits}::jsonb FROM decided)
      SELECT * FROM decided`
    : await update;
  if (!row) throw new DecisionConflictError(`proposed action ${d.action_id} is not pending`);
  if (!d.shown_sha256) {
    await sql`
      INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at, edits)
      VALUES (${row.id}, ${row.run_id}, ${d.decision}, ${d.by}, ${d.note}, ${payloadEtag(row.payload)}, ${d.now}, ${edits})`;
  }
  return row;
}

/**
 * A proposal as its decision left it, read in the deciding transaction behind the decision: only what a decision
 * changes (status, decided_*, the approver's edits, the delivery it queued) over the view read before it, whose
 * payload no decision changes (`decide` updates the decision's columns only), nor therefore its etag: the payload
 * (the approver's whole stage, several KB) is not read, parsed and hashed a second time.
 */
export async function decidedProposal(sql: Db, before: ProposalView): Promise<ProposalView | undefined> {
  const [row]: [Pick<ProposalView, 'status' | 'decided_at' | 'decided_by' | 'decision_note' | 'edits' | 'delivery'>?] = await sql`
    SELECT p.status, p.decided_at, p.decided_by, p.decision_note, d.edits, ${deliveryColumn(sql)}
    FROM proposed_actions p LEFT JOIN approval_decisions d ON d.proposed_action_id = p.id
    WHERE p.id = ${before.id}`;
  return row && { ...before, ...row };
}

export async function getProposal(sql: Db, id: number): Promise<ProposalView | undefined> {
  const [row]: [Omit<ProposalView, "etag">?] = await sql`
    SELECT ${proposalViewColumns(sql)} FROM proposed_actions p LEFT JOIN approval_decisions d ON d.proposed_action_id = p.id
    WHERE p.id = ${id}`;
  return row && withEtag(row);
}

