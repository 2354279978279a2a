// Planner statistics of young tables (persistence/statistics.ts, runtime/statistics.ts): a table changed since its
// last ANALYZE by as many rows as it holds (and 500) is named and analyzed again, one process at a time; a table
// this role may not analyze is never named. On one connection, whose table counters are flushed on demand
// (PostgreSQL flushes a backend's counters at most once a second otherwise).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient } from '../../persistence/connect.ts';
import { analyzeStale, STALE_AFTER_CHANGES, staleTables, STATISTICS_LOCK_KEY } from '../../persistence/statistics.ts';
import { statisticsKeeper } from '../../runtime/statistics.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ max: 1 });
});
afterAll(() => db.drop());

/** Inserts n alerts, and makes this connection's table counters visible at once. */
async function addAlerts(n: number, kind: string) {
  await db.sql`
    INSERT INTO alerts (step, kind, message, created_at)
    SELECT 'step_' || i, ${kind}, 'statistics test', now() FROM generate_series(1, ${n}::int) AS i`;
  await db.sql`SELECT pg_stat_force_next_flush()`;
  await db.sql`SELECT 1`; // the flush happens when a transaction ends
}
const lastAnalyze = async (table: string) =>
  (await db.sql<{ at: Date | null }[]>`SELECT greatest(last_analyze, last_autoanalyze) AS at FROM pg_stat_user_tables WHERE relname = ${table}`)[0]!.at;

describe('planner statistics of young tables', () => {
  it('names a table changed by as many rows as it holds, and analyzes it again', async () => {
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(STALE_AFTER_CHANGES - 10, 'a');
    expect(await staleTables(db.sql)).toEqual([]); // fewer changes than the floor
    await addAlerts(10, 'b');
    expect(await staleTables(db.sql)).toEqual(['alerts']);
    expect(await lastAnalyze('alerts')).toBeNull();

    expect(await analyzeStale(db.sql)).toEqual(['alerts']);
    expect(await lastAnalyze('alerts')).toBeInstanceOf(Date);
    expect(await staleTables(db.sql)).toEqual([]);
    // The planner now knows the table's size.
    const [row] = await db.sql<{ reltuples: number }[]>`SELECT reltuples FROM pg_class WHERE relname = 'alerts'`;
    expect(row!.reltuples).toBe(STALE_AFTER_CHANGES);
  });

  it('leaves a table that grew by less than its size to autovacuum', async () => {
    await addAlerts(STALE_AFTER_CHANGES - 1, 'c'); // 999 rows, 499 changed since the ANALYZE
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(STALE_AFTER_CHANGES + 1, 'd'); // 1,500 rows, 1,000 changed: not as many as it holds
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(STALE_AFTER_CHANGES, 'e'); // 2,000 rows, 1,500 changed
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(2 * STALE_AFTER_CHANGES, 'f'); // 3,000 rows, 2,500 changed
    expect(await staleTables(db.sql)).toEqual([]);
    await db.sql`DELETE FROM alerts WHERE kind IN ('a', 'b', 'c')`; // 2,000 rows, 4,000 changed
    await db.sql`SELECT pg_stat_force_next_flush()`;
    await db.sql`SELECT 1`;
    expect(await staleTables(db.sql)).toEqual(['alerts']);
  });

  it('does nothing while another process analyzes (the advisory lock), then analyzes', async () => {
    expect(await staleTables(db.sql)).toEqual(['alerts']);
    const other = sqlClient(db.url, 1);
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = other.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${STATISTICS_LOCK_KEY})`;
        locked();
        await held;
      });
      await isLocked;
      expect(await analyzeStale(db.sql)).toBeNull();
      expect(await staleTables(db.sql)).toEqual(['alerts']);
      release();
      await holder;
    } finally {
      await other.end();
    }
    expect(await analyzeStale(db.sql)).toEqual(['alerts']);
    expect(await staleTables(db.sql)).toEqual([]);
  });

  it('never names a table this role may not analyze', async () => {
    const role = `${db.name}_reader`;
    const [table] = await db.sql<{ owner: string }[]>`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'alerts'`;
    const owner = `"${table!.owner.replaceAll('"', '""')}"`;
    await db.sql.unsafe(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await db.sql`DELETE FROM alerts`; // 2,000 rows deleted: none left, 2,000 changed
      await db.sql`SELECT pg_stat_force_next_flush()`;
      await db.sql`SELECT 1`;
      expect(await staleTables(db.sql)).toEqual(['alerts']);
      // On this one connection: as a role that does not own the table, then as its owner.
      await db.sql.unsafe(`SET ROLE ${role}`);
      expect(await staleTables(db.sql)).toEqual([]);
      await db.sql.unsafe('RESET ROLE');
      await db.sql.unsafe(`ALTER TABLE alerts OWNER TO ${role}`);
      await db.sql.unsafe(`SET ROLE ${role}`);
      expect(await staleTables(db.sql)).toEqual(['alerts']);
    } finally {
      await db.sql.unsafe('RESET ROLE');
      await db.sql.unsafe(`ALTER TABLE alerts OWNER TO ${owner}`);
      await db.sql.unsafe(`DROP ROLE ${role}`);
    }
  });

  it('the keeper analyzes a stale table on its own and says which', async () => {
    expect(await staleTables(db.sql)).toEqual(['alerts']);
    const analyzed: string[][] = [];
    const errors: unknown[] = [];
    const keeper = statisticsKeeper(db.sql, { pollMs: 50, onAnalyzed: (t) => analyzed.push(t), onError: (e) => errors.push(e) });
    await keeper.start();
    try {
      await expect.poll(() => analyzed, { timeout: 10_000 }).toEqual([['alerts']]);
    } finally {
      await keeper.stop();
    }
    expect(errors).toEqual([]);
    expect(await staleTables(db.sql)).toEqual([]);
  });
});
