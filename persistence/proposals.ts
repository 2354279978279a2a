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
export const payloadEtag = (payload: unknown) => sha256(JSON.stringify(payload));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A payload as it is stored, in JSON text, with its ETag: the text is what jsonb gives back and the driver
 * parses (payloadEtag of that value is `etag`), so a proposal's ETag is known when it is staged, without reading
 * it back. jsonb keeps an object's keys ordered by their length in UTF-8 bytes, then bytewise (and one of a
 * repeated key, the last); JSON.parse builds the object in that order, JavaScript then puts integer-like keys
 * first (Object.fromEntries does the same here), and JSON.stringify writes the result. Numbers and strings come
 * back as they went (the shortest form of a double reads back as the same double). tests/persistence/
 * proposal-etag.test.ts checks it against PostgreSQL for any JSON.
 */
export function storedJson(payload: unknown): { text: string; etag: string } {
  const text = JSON.stringify(inJsonbOrder(JSON.parse(JSON.stringify(payload) ?? 'null')));
  return { text, etag: sha256(text) };
}

function inJsonbOrder(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(inJsonbOrder);
  return Object.fromEntries(inJsonbKeyOrder(Object.keys(value)).map((k) => [k, inJsonbOrder((value as Record<string, unknown>)[k])]));
}

const ASCII = /^[\x00-\x7f]*$/;
/** Keys by length in UTF-8 bytes, then bytewise: for ASCII keys their length and code units; others encoded once. */
function inJsonbKeyOrder(keys: string[]): string[] {
  if (keys.every((k) => ASCII.test(k))) return keys.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const bytes = new Map(keys.map((k) => [k, Buffer.from(k)]));
  return keys.sort((a, b) => {
    const x = bytes.get(a)!, y = bytes.get(b)!;
    return x.length - y.length || Buffer.compare(x, y);
  });
}

/** A ProposalView's delivery column; `p` is proposed_actions. */
const deliveryColumn = (sql: Db) => sql`
  (SELECT json_build_object('channel', o.channel,
            'status', ${deliveryStatus(sql)},
            'message_id', o.message_id, 'attempts', o.attempts, 'last_error', o.last_error, 'sent_at', o.delivered_at)
     FROM outbox o WHERE o.proposed_action_id = p.id) AS delivery`;

/** The columns of a ProposalView; `p` is proposed_actions. */
export const proposalViewColumns = (sql: Db) => sql`
  p.id, p.run_id, p.step, p.action_type, p.entity_type, p.entity_ref, p.payload, p.status, p.proposed_at,
  p.decided_at, p.decided_by, p.decision_note, d.edits, ${deliveryColumn(sql)}`;

export const withEtag = <T extends ProposedAction>(row: T): T & { etag: string } => ({ ...row, etag: payloadEtag(row.payload) });

/**
 * Stages a proposal, pending, with its ETag; answers its id. With `id` (reserveProposalId) the statement answers
 * nothing the caller waits for: it is sent at once and the id is known already.
 */
export async function stageProposal(
  sql: Tx,
  p: { id?: number | undefined; run_id: number; step: string; action_type: string; entity_type: string; entity_ref: string; payload: unknown; now: Date },
): Promise<number> {
  const stored = storedJson(p.payload);
  if (p.id !== undefined) {
    await sql`
      INSERT INTO proposed_actions (id, run_id, step, action_type, entity_type, entity_ref, payload, payload_sha256, status, proposed_at)
      OVERRIDING SYSTEM VALUE
      VALUES (${p.id}, ${p.run_id}, ${p.step}, ${p.action_type}, ${p.entity_type}, ${p.entity_ref}, ${stored.text}::text::jsonb, ${stored.etag}, 'pending', ${p.now})`;
    return p.id;
  }
  const [row]: [{ id: number }?] = await sql`
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, payload_sha256, status, proposed_at)
    VALUES (${p.run_id}, ${p.step}, ${p.action_type}, ${p.entity_type}, ${p.entity_ref}, ${stored.text}::text::jsonb, ${stored.etag}, 'pending', ${p.now})
    RETURNING id`;
  return row!.id;
}

/**
 * The next id of proposed_actions' identity, taken now for a proposal staged later in the transaction (an unused
 * one is a gap, as a rolled-back INSERT leaves). A start takes one with its first write for the envelope it
 * stages, so that the envelope's INSERT need not be waited for (runtime/engine.ts, `begun`).
 */
export async function reserveProposalId(sql: Tx): Promise<number> {
  const [row]: [{ id: number }?] = await sql`SELECT nextval('proposed_actions_id_seq') AS id`;
  return row!.id;
}

export class DecisionConflictError extends Error {
  readonly code = 'conflict';
}

/**
 * Records a decision as a fact; a second decision on the same action is a conflict. The decision and its row are
 * one statement: what was shown is the caller's `shown_sha256`, or else the ETag kept when the proposal was staged
 * (a proposal staged before migration 0010 has none: its payload is read back and hashed, a second statement).
 */
export async function decide(
  sql: Tx,
  d: {
    action_id: number;
    decision: 'approved' | 'rejected' | 'expired';
    by: string;
    note: string | null;
    now: Date;
    edits?: { subject?: string | undefined; body?: string | undefined } | undefined;
    /** The payload's hash (payloadEtag) as the caller read it in this transaction. */
    shown_sha256?: string | undefined;
  },
): Promise<void> {
  const edits = d.edits && Object.keys(d.edits).length ? sql.json(d.edits as never) : null;
  const shown = d.shown_sha256 ?? null;
  // `payload` is read back only when there is no hash to record (`shown` NULL).
  const [row]: [{ id: number; run_id: number; unhashed: boolean; payload: unknown }?] = await sql`
    WITH decided AS (
      UPDATE proposed_actions SET status = ${d.decision}, decided_at = ${d.now}, decided_by = ${d.by}, decision_note = ${d.note}
      WHERE id = ${d.action_id} AND status = 'pending'
      RETURNING id, run_id, coalesce(${shown}::text, payload_sha256) AS shown,
                CASE WHEN coalesce(${shown}::text, payload_sha256) IS NULL THEN payload END AS payload),
    recorded AS (
      INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at, edits)
      SELECT id, run_id, ${d.decision}, ${d.by}, ${d.note}, shown, ${d.now}, ${edits}::jsonb FROM decided WHERE shown IS NOT NULL)
    SELECT id, run_id, shown IS NULL AS unhashed, payload FROM decided`;
  if (!row) throw new DecisionConflictError(`proposed action ${d.action_id} is not pending`);
  if (row.unhashed) {
    await sql`
      INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at, edits)
      VALUES (${row.id}, ${row.run_id}, ${d.decision}, ${d.by}, ${d.note}, ${payloadEtag(row.payload)}, ${d.now}, ${edits})`;
  }
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

