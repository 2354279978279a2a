// The per-status run counts of GET /runs come from run_status_counts (sql/migrations/0005), kept by a
// trigger on runs: they must equal count(*) per status after every kind of write — runs started and moved
// on by the engine, concurrent events, direct updates and deletes, a rolled-back transaction, a truncate —
// and a database that had runs before the migration starts with them counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../persistence/migrate.ts';
import { runCounts } from '../../persistence/readModel.ts';
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
