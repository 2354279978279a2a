// The mirror rows a run's context step read (context.loaded) live in runs.loaded, written only when the
// machine loads them (migration 0007): the snapshot rewritten with every event goes without them, and every
// read of the run puts them back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun, type EngineDeps } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { restoreSnapshot } from '../../runtime/restore.ts';
import { getRun, statusAndContext } from '../../persistence/runs.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const deps = (): EngineDeps => ({ sql: db.sql, clock: new ManualClock('2026-11-20T10:00:00Z'), effects: effectRegistry() });
let seq = 0;
async function start(d: EngineDeps) {
  const body = triageFor((e) => e.expected.customer_id === 1002, `loaded-${++seq}`);
  const { run } = await startRun(d, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
  const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
  return { run, envelopeId: env!.id };
}
const stored = async (id: number) =>
  (await db.sql<{ has_loaded: boolean; loaded: { customer: { id: number } | null; marker?: number } | null }[]>`
    SELECT snapshot->'context' ? 'loaded' AS has_loaded, loaded FROM runs WHERE id = ${id}`)[0]!;

describe('context.loaded in a column of its own', () => {
  it('is stored beside the snapshot, not in it, and every read of the run puts it back', async () => {
    const d = deps();
    const { run } = await start(d);
    const row = await stored(run.id);
    expect(row.has_loaded).toBe(false);
    expect(row.loaded?.customer?.id).toBe(1002);
    const read = (await getRun(db.sql, run.id))!;
    expect((read.snapshot.context as { loaded: unknown }).loaded).toEqual(row.loaded);
    expect(read).not.toHaveProperty('loaded');
    expect((run.snapshot.context as { loaded: unknown }).loaded).toEqual(row.loaded);
    expect(((await statusAndContext(db.sql, run.id))!.context as { loaded: unknown }).loaded).toEqual(row.loaded);
    expect(restoreSnapshot(read).context.loaded).toEqual(row.loaded);
  });

  it('is not written again by an event that does not load, and is rewritten when corrections load again', async () => {
    const d = deps();
    const { run, envelopeId } = await start(d);
    // A marker only this test writes: an event that rewrote the column would drop it.
    await db.sql`UPDATE runs SET loaded = jsonb_set(loaded, '{marker}', '1') WHERE id = ${run.id}`;
    const plain = await applyEvent(d, run.id, { type: 'APPROVE', action_id: envelopeId, by: 'mike', note: null, at: d.clock.now().toISOString() });
    expect(plain.applied).toBe(true);
    expect((await stored(run.id)).loaded?.marker).toBe(1);
    expect((plain.run.snapshot.context as { loaded: { marker?: number } }).loaded.marker).toBe(1);

    const other = await start(d);
    await db.sql`UPDATE runs SET loaded = jsonb_set(loaded, '{marker}', '1') WHERE id = ${other.run.id}`;
    const corrected = await applyEvent(d, other.run.id, {
      type: 'APPROVE', action_id: other.envelopeId, by: 'mike', note: null, at: d.clock.now().toISOString(), corrections: { customer_id: 1002 },
    });
    expect(corrected.applied).toBe(true);
    const after = await stored(other.run.id);
    expect(after.has_loaded).toBe(false);
    expect(after.loaded?.customer?.id).toBe(1002);
    expect(after.loaded).not.toHaveProperty('marker');
  });
});

describe('context.input kept in the run\'s input column', () => {
  it('is not rewritten with the snapshot (it keeps only run_id and started_at), and every read puts it back whole', async () => {
    const d = deps();
    const body = triageFor((e) => e.expected.customer_id === 1002, `input-${++seq}`);
    const { run } = await startRun(d, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
    const whole = { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test', run_id: run.id, started_at: d.clock.now().toISOString() };
    const [row] = await db.sql<{ input: Record<string, unknown> }[]>`SELECT snapshot->'context'->'input' AS input FROM runs WHERE id = ${run.id}`;
    expect(row!.input).toEqual({ run_id: run.id, started_at: whole.started_at });
    const inputOf = (x: { snapshot: { context: unknown } } | { context: unknown }) =>
      (('snapshot' in x ? x.snapshot.context : x.context) as { input: unknown }).input;
    expect(inputOf(run)).toEqual(whole);
    const read = (await getRun(db.sql, run.id))!;
    expect(inputOf(read)).toEqual(whole);
    expect(inputOf((await statusAndContext(db.sql, run.id))!)).toEqual(whole);
    expect(restoreSnapshot(read).context.input).toEqual(whole);
    // An event later: still only the two keys in the snapshot, the whole input on every read.
    const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
    const approved = await applyEvent(d, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: null, at: d.clock.now().toISOString() });
    expect(inputOf(approved.run)).toEqual(whole);
    expect((await db.sql`SELECT snapshot->'context'->'input' AS input FROM runs WHERE id = ${run.id}`)[0]!.input).toEqual({ run_id: run.id, started_at: whole.started_at });
    expect(inputOf((await getRun(db.sql, run.id))!)).toEqual(whole);
  });

  it('reads a snapshot saved with its whole input (before this) the same', async () => {
    const d = deps();
    const { run } = await start(d);
    const whole = inputOfRun(await getRun(db.sql, run.id));
    await db.sql`UPDATE runs SET snapshot = jsonb_set(snapshot, '{context,input}', ${db.sql.json(whole as never)}) WHERE id = ${run.id}`;
    expect(inputOfRun(await getRun(db.sql, run.id))).toEqual(whole);
    expect(((await statusAndContext(db.sql, run.id))!.context as { input: unknown }).input).toEqual(whole);
  });
});

const inputOfRun = (r: { snapshot: { context: unknown } } | undefined) => (r!.snapshot.context as { input: Record<string, unknown> }).input;
