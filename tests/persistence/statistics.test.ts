// Planner statistics of young tables (persistence/statistics.ts, runtime/statistics.ts): a table holding twice the
// rows the planner counted (and 500) is named and analyzed again, one process at a time; a table this role may not
// analyze is never named. On one connection, whose table counters are flushed on demand
// (PostgreSQL flushes a backend's counters at most once a second otherwise).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient } from '../../persistence/connect.ts';
import { analyzeStale, STALE_MIN_ROWS, staleTables, STATISTICS_LOCK_KEY } from '../../persistence/statistics.ts';
import { statisticsKeeper } from '../../runtime/statistics.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ max: 1 });
});
afterAll(() => db.drop());

/** Makes this connection's table counters visible at once. */
async function flush() {
  await db.sql`SELECT pg_stat_force_next_flush()`;
  await db.sql`SELECT 1`; // the flush happens when a transaction ends
}
/** Inserts n alerts (of a kind of their own). */
async function addAlerts(n: number, kind: string) {
  await db.sql`
    INSERT INTO alerts (step, kind, message, created_at)
    SELECT 'step_' || i, ${kind}, 'statistics test', now() FROM generate_series(1, ${n}::int) AS i`;
  await flush();
}
/** The rows the planner believes the table holds. */
const plannerRows = async (table: string) =>
  (await db.sql<{ n: number }[]>`SELECT reltuples::int AS n FROM pg_class WHERE relname = ${table}`)[0]!.n;
const lastAnalyze = async (table: string) =>
  (await db.sql<{ at: Date | null }[]>`SELECT greatest(last_analyze, last_autoanalyze) AS at FROM pg_stat_user_tables WHERE relname = ${table}`)[0]!.at;

describe('planner statistics of young tables', () => {
  it('names a table of STALE_MIN_ROWS rows never analyzed, and analyzes it', async () => {
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(STALE_MIN_ROWS - 10, 'a');
    expect(await staleTables(db.sql)).toEqual([]); // below the floor
    await addAlerts(10, 'b');
    expect(await staleTables(db.sql)).toEqual(['alerts']);
    expect(await lastAnalyze('alerts')).toBeNull();

    expect(await analyzeStale(db.sql)).toEqual(['alerts']);
    expect(await lastAnalyze('alerts')).toBeInstanceOf(Date);
    expect(await staleTables(db.sql)).toEqual([]);
    expect(await plannerRows('alerts')).toBe(STALE_MIN_ROWS);
  });

  it('names it again once it holds twice the rows the planner counted; updates and deletes do not count', async () => {
    for (let i = 0; i < 3; i++) await db.sql`UPDATE alerts SET message = ${`pass ${i}`}`; // 1,500 rows changed
    await flush();
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(STALE_MIN_ROWS - 1, 'c'); // 999 rows: the planner counted 500
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(1, 'd'); // 1,000
    expect(await staleTables(db.sql)).toEqual(['alerts']);
    await db.sql`DELETE FROM alerts WHERE kind = 'd'`; // 999 again
    await flush();
    expect(await staleTables(db.sql)).toEqual([]);
    await addAlerts(1, 'd');
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
      expect(await plannerRows('alerts')).toBe(STALE_MIN_ROWS);
      release();
      await holder;
    } finally {
      await other.end();
    }
    expect(await analyzeStale(db.sql)).toEqual(['alerts']);
    expect(await staleTables(db.sql)).toEqual([]);
    expect(await plannerRows('alerts')).toBe(2 * STALE_MIN_ROWS);
  });

  it('never names a table this role may not analyze', async () => {
    const role = `${db.name}_reader`;
    const [table] = await db.sql<{ owner: string }[]>`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'alerts'`;
    const owner = `"${table!.owner.replaceAll('"', '""')}"`;
    await db.sql.unsafe(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await addAlerts(2 * STALE_MIN_ROWS, 'e'); // 2,000 rows: the planner counted 1,000
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
