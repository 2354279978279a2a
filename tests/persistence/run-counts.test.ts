// The per-status run counts of GET /runs come from run_status_counts and run_status_deltas (sql/migrations/0006,
// 0009), kept by a trigger on runs: they must equal count(*) per status after every kind of write — runs started and moved
// on by the engine, concurrent events, direct updates and deletes, a rolled-back transaction, a truncate —
// and a database that had runs before the migration starts with them counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../persistence/migrate.ts';
import { foldRunCounts, RUN_COUNTS_LOCK_KEY, runCounts } from '../../persistence/runCounts.ts';
import { runCountsFolder } from '../../runtime/runCounts.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun, type EngineDeps } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import type { Sql } from '../../persistence/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

const truth = async (sql: Sql) => {
  const rows = await sql<{ status: string; n: number }[]>`SELECT status, count(*)::int AS n FROM runs GROUP BY status ORDER BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
};

let seq = 0;
async function start(d: EngineDeps) {
  const body = triageFor((e) => e.expected.customer_id === 1002, `counts-${++seq}`);
  const { run } = await startRun(d, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
  return run;
}

describe('run counts per status', () => {
  it('follow runs started, approved and rejected by the engine, eight at a time', async () => {
    const d: EngineDeps = { sql: db.sql, clock: new ManualClock('2026-11-20T10:00:00Z'), effects: effectRegistry() };
    const runs = await Promise.all(Array.from({ length: 16 }, () => start(d)));
    expect(await runCounts(db.sql)).toEqual(await truth(db.sql));
    expect((await runCounts(db.sql)).awaiting_approval).toBe(16);
    const envelopes = await db.sql<{ id: number; run_id: number }[]>`
      SELECT id, run_id FROM proposed_actions WHERE step = 'approval' AND run_id IN ${db.sql(runs.map((r) => r.id))} ORDER BY run_id`;
    await Promise.all(envelopes.map((e, i) => applyEvent(d, e.run_id, i % 2 === 0
      ? { type: 'APPROVE', action_id: e.id, by: 'mike', note: null, at: d.clock.now().toISOString() }
      : { type: 'REJECT', action_id: e.id, by: 'mike', reason: 'not a dispute', at: d.clock.now().toISOString() })));
    const counts = await runCounts(db.sql);
    expect(counts).toEqual(await truth(db.sql));
    expect(counts.awaiting_approval).toBeUndefined();
    expect(counts.rejected).toBe(8);
  });

  it('follow direct updates and deletes, ignore a rolled-back transaction, and empty on truncate', async () => {
    const [one] = await db.sql<{ id: number }[]>`SELECT id FROM runs WHERE status = 'rejected' ORDER BY id LIMIT 1`;
    await db.sql`UPDATE runs SET status = 'expired' WHERE id = ${one!.id}`;
    await db.sql`UPDATE runs SET updated_at = updated_at + interval '1 second'`; // status unchanged: no count moves
    await expect(db.sql.begin(async (tx) => {
      await tx`UPDATE runs SET status = 'failed'`;
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await runCounts(db.sql)).toEqual(await truth(db.sql));
    expect((await runCounts(db.sql)).expired).toBe(1);

    // A run written and deleted by hand (nothing refers to it).
    const [bare] = await db.sql<{ id: number }[]>`
      INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, invoked_by, created_at, updated_at)
      VALUES ('w', 'by-hand', 1, 'blocked', '"x"', '{}', '{}', 'test', now(), now()) RETURNING id`;
    expect((await runCounts(db.sql)).blocked).toBe(1);
    await db.sql`DELETE FROM runs WHERE id = ${bare!.id}`;
    expect((await runCounts(db.sql)).blocked).toBeUndefined();
    expect(await runCounts(db.sql)).toEqual(await truth(db.sql));

    await db.sql.unsafe('TRUNCATE runs CASCADE');
    expect(await runCounts(db.sql)).toEqual({});
  });

  it('never make two transactions wait for each other, whatever order they move runs in', async () => {
    // Four runs whose ids fall two by two on the same counter shard of 0006 (id mod 32): there, each transaction
    // took one shard's row and then waited for the other's, and PostgreSQL failed one of them after a second.
    const ids = [910_001, 910_002, 910_033, 910_034];
    await db.sql`
      INSERT INTO runs (id, workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, invoked_by, created_at, updated_at)
      OVERRIDING SYSTEM VALUE
      SELECT id, 'w', 'order-' || id, 1, 'blocked', '"x"', '{}', '{}', 'test', now(), now() FROM unnest(${ids}::bigint[]) id`;
    const firsts = [gate(), gate()];
    const move = (mine: number, then: number, me: number) =>
      db.sql.begin(async (tx) => {
        await tx`UPDATE runs SET status = 'expired' WHERE id = ${mine}`;
        firsts[me]!.open();
        await firsts[1 - me]!.p; // the other has moved its first run: each now holds what the other's second needs (0006)
        await tx`UPDATE runs SET status = 'expired' WHERE id = ${then}`;
      });
    const started = performance.now();
    const settled = await Promise.allSettled([move(910_001, 910_034, 0), move(910_002, 910_033, 1)]);
    expect(settled.map((x) => (x.status === 'fulfilled' ? 'committed' : (x.reason as { code?: string }).code))).toEqual(['committed', 'committed']);
    expect(performance.now() - started).toBeLessThan(900); // a deadlock is found after deadlock_timeout, 1 s
    expect((await runCounts(db.sql)).expired).toBe(4);
    expect(await runCounts(db.sql)).toEqual(await truth(db.sql));
  });

  it('stay the same when the deltas are folded, by one process at a time, and the folder keeps them few', async () => {
    const d: EngineDeps = { sql: db.sql, clock: new ManualClock('2026-11-20T10:00:00Z'), effects: effectRegistry() };
    await Promise.all(Array.from({ length: 6 }, () => start(d)));
    const before = await runCounts(db.sql);
    const deltas = async () => (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM run_status_deltas`)[0]!.n;
    expect(await deltas()).toBeGreaterThan(0);
    // Another process folding (its lock held): this one folds nothing.
    await db.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${RUN_COUNTS_LOCK_KEY})`;
      expect(await foldRunCounts(db.sql)).toBeNull();
    });
    const n = await deltas();
    expect(await foldRunCounts(db.sql)).toBe(n);
    expect(await deltas()).toBe(0);
    expect(await runCounts(db.sql)).toEqual(before);
    expect(await runCounts(db.sql)).toEqual(await truth(db.sql));
    // Folds side by side, runs moving meanwhile: each delta is added once.
    await Promise.all([start(d), foldRunCounts(db.sql), start(d), foldRunCounts(db.sql), foldRunCounts(db.sql)]);
    expect(await runCounts(db.sql)).toEqual(await truth(db.sql));
    // The folder, as every process runs it.
    await start(d);
    const folder = runCountsFolder(db.sql, { pollMs: 20 });
    await folder.start();
    try {
      for (let i = 0; i < 100 && (await deltas()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await deltas()).toBe(0);
    } finally {
      await folder.stop();
    }
    expect(await runCounts(db.sql)).toEqual(await truth(db.sql));
  });

  it('count the runs a database already had when the migration ran', async () => {
    const old = await createTestDatabase({ migrated: false });
    try {
      const all = loadMigrations();
      await migrate(old.sql, all.filter((m) => m.version < 5));
      await old.sql`
        INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, invoked_by, created_at, updated_at)
        SELECT 'w', 'e-' || g, 1, (ARRAY['completed', 'awaiting_approval', 'failed'])[1 + g % 3], '"x"', '{}', '{}', 'test', now(), now()
        FROM generate_series(1, 100) g`;
      expect(await migrate(old.sql, all)).toContain(5);
      expect(await runCounts(old.sql)).toEqual({ awaiting_approval: 34, completed: 33, failed: 33 });
      expect(await runCounts(old.sql)).toEqual(await truth(old.sql));
    } finally {
      await old.drop();
    }
  });
});
