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
 * first, and JSON.stringify writes the result. Numbers and strings come back as they went (the shortest form of a
 * double reads back as the same double). The text is written in that order in one pass, as JSON.stringify would
 * write the value (toJSON, undefined and functions left out); tests/persistence/proposal-etag.test.ts checks it
 * against PostgreSQL for any JSON, and against JSON.stringify, JSON.parse and a reordering for any value.
 */
export function storedJson(payload: unknown): { text: string; etag: string } {
  const text = jsonbText(payload, '') ?? 'null';
  return { text, etag: sha256(text) };
}

/** JSON.stringify(value) with every object's keys in the order JavaScript gives them after jsonb; undefined as it does. */
function jsonbText(value: unknown, key: string | number): string | undefined {
  if (value !== null && (typeof value === 'object' || typeof value === 'bigint') && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(String(key));
  }
  switch (typeof value) {
    case 'string':
      // As it is between quotes unless JSON.stringify would escape something in it.
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"';
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      // undefined, functions and symbols are left out (null in an array); a bigint throws, as in JSON.stringify.
      return typeof value === 'bigint' ? JSON.stringify(value) : undefined;
  }
  if (value === null) return 'null';
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (jsonbText(value[i], i) ?? 'null');
    return out + ']';
  }
  const object = value as Record<string, unknown>;
  const keys = inJsonbKeyOrder(Object.keys(object));
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = jsonbText(object[k], k);
    if (v !== undefined) out += (out.length > 1 ? ',' : '') + quotedKey(k) + v;
  }
  return out + '}';
}

/** What JSON.stringify escapes in a string: a quote, a backslash, a control character, a surrogate (lone ones). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

// A key as written before its value ("key":), kept: a payload's objects are mostly rows of a few shapes. Bounded;
// a Map, so no key reaches Object.prototype.
const QUOTED = new Map<string, string>();
const QUOTED_MAX = 5000;
function quotedKey(k: string): string {
  let q = QUOTED.get(k);
  if (q === undefined) {
    if (QUOTED.size >= QUOTED_MAX) QUOTED.clear();
    QUOTED.set(k, (q = JSON.stringify(k) + ':'));
  }
  return q;
}

/** An array index (JavaScript orders these first, by value): "0" to "4294967294" without leading zeros. */
const isIndex = (k: string) => {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(?:0|[1-9][0-9]{0,9})$/.test(k) && (k.length < 10 || Number(k) < 4294967295);
};
/** The keys (Object.keys: integer-like keys first, by value) with the others in jsonb's order; sorted in place. */
function inJsonbKeyOrder(keys: string[]): string[] {
  let i = 0;
  while (i < keys.length && isIndex(keys[i]!)) i++;
  // Most objects are in order already (or have one key): one comparison per neighbour, nothing allocated.
  let sorted = true;
  for (let j = i + 1; j < keys.length && sorted; j++) sorted = jsonbCompare(keys[j - 1]!, keys[j]!) < 0;
  if (sorted) return keys;
  if (keys.length - i > 32) {
    const rest = keys.slice(i).sort(jsonbCompare);
    for (let j = 0; j < rest.length; j++) keys[i + j] = rest[j]!;
    return keys;
  }
  // A row's few keys: an insertion sort in place (Array's sort allocates its work arrays on every call).
  for (let j = i + 1; j < keys.length; j++) {
    const k = keys[j]!;
    let at = j;
    while (at > i && jsonbCompare(keys[at - 1]!, k) > 0) {
      keys[at] = keys[at - 1]!;
      at--;
    }
    keys[at] = k;
  }
  return keys;
}
/** jsonb's order of two keys: by length in UTF-8 bytes, then bytewise. */
function jsonbCompare(a: string, b: string): number {
  if (a === b) return 0;
  const la = Buffer.byteLength(a), lb = Buffer.byteLength(b);
  if (la !== lb) return la - lb;
  // Bytewise, of the same length: UTF-16 units compare as UTF-8 bytes do below the surrogates.
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  }
  return 0;
}
/** A ProposalView's delivery column; `p` is proposed_actions. */
const deliveryColumn = (sql: Db) => sql`
  (SELECT json_build_object('channel', o.channel,
            'status', ${deliveryStatus(sql)},
            'message_id', o.message_id, 'attempts', o.attempts, 'last_error', o.last_error, 'sent_at', o.delivered_at)
     FROM outbox o WHERE o.proposed_action_id = p.id) AS delivery`;

/**
 * The columns of a ProposalView; `p` is proposed_actions. Its `etag` is the one kept when the proposal was staged
 * (payload_sha256, the same hash of the same text: storedJson), NULL for a proposal staged before migration 0010;
 * withEtag fills those in.
 */
export const proposalViewColumns = (sql: Db) => sql`
  p.id, p.run_id, p.step, p.action_type, p.entity_type, p.entity_ref, p.payload, p.status, p.proposed_at,
  p.decided_at, p.decided_by, p.decision_note, d.edits, ${deliveryColumn(sql)}, p.payload_sha256 AS etag`;

/** A proposal as proposalViewColumns reads it: its kept ETag, or NULL before migration 0010 (withEtag fills it in). */
export type ProposalRow = ProposedAction & { etag: string | null };

/**
 * A row read with proposalViewColumns, its ETag filled in: the kept one, or for a proposal staged before migration
 * 0010 the hash of its payload. Hashing every payload read cost a page of the approvals queue (200 proposals, 1.3 MB)
 * 6.7 ms of its 29 ms of CPU, a JSON.stringify and a SHA-256 of each payload, for the hash the row already holds.
 */
export const withEtag = <T extends ProposedAction & { etag?: string | null }>(row: T): T & { etag: string } =>
  row.etag ? (row as T & { etag: string }) : Object.assign({}, row, { etag: payloadEtag(row.payload) });

/**
 * Stages a proposal, pending, with its ETag; answers its id. With `id` (taken with the run: runs.ts insertRunOnce) the statement answers
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
  return row && Object.assign({}, before, row);
}

export async function getProposal(sql: Db, id: number): Promise<ProposalView | undefined> {
  const [row]: [(Omit<ProposalView, 'etag'> & Pick<ProposalRow, 'etag'>)?] = await sql`
    SELECT ${proposalViewColumns(sql)} FROM proposed_actions p LEFT JOIN approval_decisions d ON d.proposed_action_id = p.id
    WHERE p.id = ${id}`;
  return row && withEtag(row);
}

