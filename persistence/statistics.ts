// Planner statistics of our tables while they are young. PostgreSQL's statements are planned from the table
// statistics ANALYZE last gathered; autovacuum gathers them again once a table has changed by a tenth, but it
// visits each database only once a minute (autovacuum_naptime). A young database that takes a burst of runs
// (the first backlog of disputes imported, a queue drained after an outage) goes that minute on statistics of
// nearly empty tables: the context's history part is then planned as sequential scans of runs, proposed actions
// and decisions, which cost more with every run. Measured (bench/warmup.ts, 8 starts and approvals in flight on
// a fresh database, 1 December 2026): without fresh statistics 82 runs/s at 200–400 runs falling to 28/s by 2,400;
// with this keeper 113–144 runs/s from the 800th run on (ANALYZE before every 200 runs: 100 to 127).
// runtime/statistics.ts asks for this every few seconds.
import type { Db, Sql } from './connect.ts';

/** Held by the process analyzing: at most one such ANALYZE runs against the database at a time. */
export const STATISTICS_LOCK_KEY = 0x64697374; // 'dist'

/** Rows a table must hold before it can be stale: below this any plan is cheap. */
export const STALE_MIN_ROWS = 500;

/**
 * Tables of our schema that hold at least twice the rows the planner last counted (pg_class.reltuples, what the
 * last ANALYZE, VACUUM or index build found; none for a table never looked at), and STALE_MIN_ROWS at least: the
 * tables whose size the planner misjudges severalfold. Updates and deletes do not count: they leave the size the
 * planner knows about right, or too large, which costs nothing. Once a table is large autovacuum's tenth comes long
 * before it doubles, so only young tables are ever named.
 */
export async function staleTables(sql: Db, minRows = STALE_MIN_ROWS): Promise<string[]> {
  // Only tables this role may analyze (it owns them, as the migrations made them, or it is a superuser): another's
  // would be skipped with a warning at every poll.
  const rows = await sql<{ relname: string }[]>`
    SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema() AND s.n_live_tup >= greatest(${minRows}::bigint, 2 * greatest(c.reltuples, 0))
      AND pg_has_role(c.relowner, 'MEMBER')
    ORDER BY s.relname`;
  return rows.map((r) => r.relname);
}

/**
 * ANALYZE the tables that are still stale (looked at again under the lock), unless another process holds the lock:
 * then nothing is done and null is returned (that process is analyzing). Returns the tables analyzed.
 * ANALYZE takes a lock that only VACUUM, another ANALYZE and DDL wait for: runs go on meanwhile.
 */
export async function analyzeStale(sql: Sql, minRows = STALE_MIN_ROWS): Promise<string[] | null> {
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${STATISTICS_LOCK_KEY}) AS locked`;
    if (!lock?.locked) return null;
    const tables = await staleTables(tx, minRows);
    // Names read from the catalog, quoted as identifiers.
    for (const t of tables) await tx`ANALYZE ${tx(t)}`;
    return tables;
  });
}
