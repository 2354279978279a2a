// Queries on runs and their journal. Each takes the sql handle (or a transaction) as its first argument.
import type { Db, Tx } from './connect.ts';

/** Where every committed change of a run is announced (LISTEN/NOTIFY), for the live feed. */
export const RUN_CHANNEL = 'disputeflow_runs';

/**
 * A run as stored. `Context` and `Input` are the JSON shapes of its snapshot's context and its input: this
 * module does not know the machine's types, so a caller that does names them, as it would with `sql<Row[]>`.
 */
export interface RunRow<Context extends object = Record<string, unknown>, Input extends object = Record<string, unknown>> {
  id: number;
  workflow_type: string;
  email_uuid: string;
  machine_version: number;
  status: string;
  state_value: unknown;
  snapshot: { value: unknown; context: Context; [k: string]: unknown };
  input: Input;
  customer_id: number | null;
  invoked_by: string;
  event_count: number;
  created_at: Date;
  updated_at: Date;
}

export interface JournalRow {
  seq: number;
  event: { type: string; [k: string]: unknown };
  state_before: unknown;
  state_after: unknown;
  effects: { type: string; params: unknown }[];
  at: Date;
}

/**
 * Two parts of a run's context are not rewritten with every event. `loaded` (the mirror rows its context step
 * read) is a column of its own, written only when it changes (migration 0007). `input` (the triage event, up to
 * 200 KB of email) is the run's `input` column plus the two keys the engine adds (run_id, started_at): the
 * machine never assigns it, so the snapshot keeps only those two (`savedInput`). This puts both back into the
 * snapshot's context, so every reader of a RunRow sees the context as the machine has it. A snapshot written
 * before keeps its own (its full input wins over the column's, key by key: they are the same).
 */
function withContextParts<T extends RunRow<object, object>>(row: T | undefined): T | undefined {
  if (!row) return row;
  const r = row as T & { loaded?: unknown };
  const context = r.snapshot?.context as Record<string, unknown> | undefined;
  if (context) {
    context.loaded = r.loaded ?? context.loaded ?? null;
    if (r.input && context.input && typeof context.input === 'object') context.input = Object.assign({}, r.input, context.input);
  }
  delete r.loaded;
  return row;
}

/** What a saved snapshot keeps of the context's input: the keys the run's `input` column does not hold. */
function savedInput(input: Record<string, unknown>, column: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(input)) if (!Object.hasOwn(column, k)) out[k] = input[k];
  return out;
}

/** The context as the machine has it, in SQL: the snapshot's context with `loaded` and `input` put back. */
export const contextSql = (sql: Db, alias = 'runs') => sql`
  jsonb_set(
    jsonb_set(${sql(alias)}.snapshot->'context', '{loaded}', coalesce(${sql(alias)}.loaded, ${sql(alias)}.snapshot->'context'->'loaded', 'null')),
    '{input}', coalesce(${sql(alias)}.input, '{}') || coalesce(${sql(alias)}.snapshot->'context'->'input', '{}'))`;

/**
 * Inserts the run unless (workflow_type, email_uuid) exists (null then); concurrent redeliveries wait on the unique
 * index. With the row comes `envelopeId`, the next id of proposed_actions' identity, taken in the same statement
 * for the approval envelope the start stages later in its transaction (steps/approval.ts), so that the envelope's
 * INSERT need not be waited for; an id left unused is a gap, as a rolled-back INSERT leaves. Nothing is taken when
 * the run exists.
 */
export async function insertRunOnce(
  sql: Tx,
  r: { workflow_type: string; email_uuid: string; machine_version: number; input: unknown; invoked_by: string; now: Date },
): Promise<{ run: RunRow; envelopeId: number } | null> {
  const [row]: [(RunRow & { envelope_id?: number })?] = await sql`
    INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, invoked_by, created_at, updated_at)
    VALUES (${r.workflow_type}, ${r.email_uuid}, ${r.machine_version}, 'running', '"trigger"', '{}',
            ${sql.json(r.input as never)}, ${r.invoked_by}, ${r.now}, ${r.now})
    ON CONFLICT (workflow_type, email_uuid) DO NOTHING
    RETURNING id, workflow_type, email_uuid, machine_version, status, state_value, snapshot, customer_id, invoked_by, event_count, created_at, updated_at, loaded,
      nextval('proposed_actions_id_seq') AS envelope_id`;
  if (!row) return null;
  const envelopeId = row.envelope_id!;
  delete row.envelope_id;
  // The input is what was just sent (up to 200 KB of email): not read back and parsed again.
  return { run: withContextParts(Object.assign({}, row, { input: r.input as RunRow['input'] }))!, envelopeId };
}

export async function findRunByEmail(sql: Db, workflowType: string, emailUuid: string): Promise<RunRow | undefined> {
  const [row]: [RunRow?] = await sql`SELECT * FROM runs WHERE workflow_type = ${workflowType} AND email_uuid = ${emailUuid}`;
  return withContextParts(row);
}

/** Locks the run's row until the transaction ends: every change to a run happens under this lock. */
export async function lockRun(sql: Tx, id: number): Promise<RunRow | undefined> {
  const [row]: [RunRow?] = await sql`SELECT * FROM runs WHERE id = ${id} FOR UPDATE`;
  return withContextParts(row);
}

/**
 * Locks the run a proposed action belongs to (as lockRun), found by the action's id: sent together with the
 * action's own read, it saves a decision the round trip of reading the action before locking its run.
 */
export async function lockRunOfProposal(sql: Tx, proposalId: number): Promise<RunRow | undefined> {
  const [row]: [RunRow?] = await sql`SELECT * FROM runs WHERE id = (SELECT run_id FROM proposed_actions WHERE id = ${proposalId}) FOR UPDATE`;
  return withContextParts(row);
}

export async function getRun<Context extends object = Record<string, unknown>, Input extends object = Record<string, unknown>>(
  sql: Db,
  id: number,
): Promise<RunRow<Context, Input> | undefined> {
  const [row]: [RunRow<Context, Input>?] = await sql`SELECT * FROM runs WHERE id = ${id}`;
  return withContextParts(row);
}

/** Saves the snapshot and announces the commit on `channel` (PostgreSQL delivers the NOTIFY at commit). */
export async function saveRun(
  sql: Tx,
  /** The run as this transaction read it under its lock (or inserted it): what the save leaves as it was. */
  prior: RunRow,
  r: {
    status: string;
    state_value: unknown;
    /**
     * Without `context.loaded`: that is `loaded`, given only when it changed (undefined: the column is left as it
     * is). Its `context.input` is written as only what the run's `input` column lacks (withContextParts).
     */
    snapshot: RunRow['snapshot'];
    loaded?: unknown;
    customer_id: number | null;
    machine_version: number;
    events: number;
    now: Date;
  },
  channel: string,
  /** The journal rows of this transaction, numbered from the run's `event_count` as read under its lock. */
  journal?: { firstSeq: number; rows: Omit<JournalRow, 'seq'>[] },
): Promise<RunRow> {
  const loaded = r.loaded === undefined ? sql`` : sql`loaded = ${r.loaded === null ? null : sql.json(r.loaded as never)},`;
  const { input, ...rest } = r.snapshot.context as { input?: unknown };
  const stored = input && typeof input === 'object' && prior.input
    ? Object.assign({}, r.snapshot, { context: Object.assign({}, rest, { input: savedInput(input as Record<string, unknown>, prior.input) }) })
    : r.snapshot;
  // The journal insert rides in the same statement (a data-modifying CTE): one statement per event, not two.
  const appended = journal?.rows.length ? sql`appended AS (INSERT INTO run_journal ${sql(journalValues(prior.id, journal.firstSeq, journal.rows) as never, ...JOURNAL_COLUMNS)}),` : sql``;
  // What the update wrote is what this process sent, so only the counters come back: the row is not read and
  // parsed again (the snapshot and the mirror rows are most of a run's bytes).
  const [row]: [{ event_count: number; updated_at: Date }?] = await sql`
    WITH ${appended} saved AS (
      UPDATE runs SET status = ${r.status}, state_value = ${sql.json(r.state_value as never)}, snapshot = ${sql.json(stored as never)}, ${loaded}
        customer_id = ${r.customer_id}, machine_version = ${r.machine_version}, event_count = event_count + ${r.events}, updated_at = ${r.now}
      WHERE id = ${prior.id}
      RETURNING id, status, event_count, updated_at)
    SELECT saved.event_count, saved.updated_at, pg_notify(${channel}, json_build_object('run_id', saved.id, 'status', saved.status, 'seq', saved.event_count - 1)::text) AS notified
    FROM saved`;
  if (!row) throw new Error(`run ${prior.id} vanished while locked`);
  const loadedNow = r.loaded === undefined ? prior.snapshot.context.loaded ?? null : r.loaded;
  return Object.assign({}, prior, {
    status: r.status,
    state_value: r.state_value,
    snapshot: Object.assign({}, r.snapshot, { context: Object.assign({}, r.snapshot.context, { loaded: loadedNow }) }),
    customer_id: r.customer_id,
    machine_version: r.machine_version,
    event_count: row.event_count,
    updated_at: row.updated_at,
  });
}

const JOURNAL_COLUMNS = ['run_id', 'seq', 'event', 'state_before', 'state_after', 'effects', 'at'] as const;
const journalValues = (runId: number, firstSeq: number, rows: Omit<JournalRow, 'seq'>[]) =>
  rows.map((r, i) => ({
    run_id: runId,
    seq: firstSeq + i,
    event: r.event,
    state_before: r.state_before ?? null,
    state_after: r.state_after,
    effects: r.effects,
    at: r.at,
  }));

export async function appendJournal(sql: Tx, runId: number, firstSeq: number, rows: Omit<JournalRow, 'seq'>[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`INSERT INTO run_journal ${sql(journalValues(runId, firstSeq, rows) as never, ...JOURNAL_COLUMNS)}`;
}


/**
 * Records something that happened to a run outside its machine (a downstream proposal decided, a delivery
 * sent or failed) as a journal entry that leaves the state as it is, so the timeline tells the whole story.
 * Takes the run's lock like an event does, so the journal's sequence stays gap-free.
 */
export async function appendRunNote(sql: Tx, runId: number, event: JournalRow['event'], now: Date): Promise<void> {
  // One statement (one round trip, not three): lock the run, journal the note at its next sequence number, count
  // it and announce it. The lock's CTE reads the row as locked (the latest committed version), and the update
  // finds it locked by this transaction already.
  await sql`
    WITH locked AS (SELECT id, event_count, state_value FROM runs WHERE id = ${runId} FOR UPDATE),
    noted AS (
      INSERT INTO run_journal (run_id, seq, event, state_before, state_after, effects, at)
      SELECT id, event_count, ${sql.json(event as never)}, state_value, state_value, '[]'::jsonb, ${now} FROM locked),
    counted AS (
      UPDATE runs SET event_count = runs.event_count + 1 FROM locked WHERE runs.id = locked.id
      RETURNING runs.id, runs.status, runs.event_count)
    SELECT pg_notify(${RUN_CHANNEL}, json_build_object('run_id', id, 'status', status, 'seq', event_count - 1)::text) FROM counted`;
}

/**
 * Marks a run whose stored snapshot this code cannot restore as failed: the journal entry saying why, the
 * status, the announcement. The one write of `status` that does not come from the machine's state value
 * (machines/status.ts): the state value and snapshot are kept as they were, for whoever migrates the run.
 * Call with the run locked (`lockRun`) and its `event_count` as read under the lock.
 */
export async function markUnrestorable(
  sql: Tx,
  run: Pick<RunRow, 'id' | 'event_count' | 'state_value'>,
  reason: string,
  now: Date,
): Promise<RunRow> {
  await appendJournal(sql, run.id, run.event_count, [
    { event: { type: 'runtime.restore_failed', reason }, state_before: run.state_value, state_after: run.state_value, effects: [], at: now },
  ]);
  const [row]: [RunRow?] = await sql`
    WITH failed AS (
      UPDATE runs SET status = 'failed', event_count = event_count + 1, updated_at = ${now} WHERE id = ${run.id}
      RETURNING *)
    SELECT failed.*, pg_notify(${RUN_CHANNEL}, json_build_object('run_id', failed.id, 'status', failed.status, 'seq', failed.event_count - 1)::text) AS notified
    FROM failed`;
  delete (row as Partial<RunRow & { notified: unknown }>).notified;
  return withContextParts(row)!;
}

/** What a watcher replays of a journal row. */
export type JournalEntry = Pick<JournalRow, 'seq' | 'event' | 'state_after'>;

/** A run's journal after `afterSeq`, in order (what a watcher has not seen yet). */
export async function journalSince(sql: Db, runId: number, afterSeq: number): Promise<JournalEntry[]> {
  return sql<JournalEntry[]>`
    SELECT seq, event, state_after FROM run_journal WHERE run_id = ${runId} AND seq > ${afterSeq} ORDER BY seq`;
}

/** A run's status (`Status`: the statuses the caller knows runs to have) and committed context, without the rest of its snapshot. */
export async function statusAndContext<Status extends string = string>(sql: Db, runId: number): Promise<{ status: Status; context: unknown } | undefined> {
  const [row]: [{ status: Status; context: unknown }?] = await sql`
    SELECT status, ${contextSql(sql)} AS context FROM runs WHERE id = ${runId}`;
  return row;
}
