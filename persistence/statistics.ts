// Planner statistics of our tables while they are young. PostgreSQL's statements are planned from the table
// statistics ANALYZE last gathered; autovacuum gathers them again once a table has changed by a tenth, but it
// visits each database only once a minute (autovacuum_naptime). A young database that takes a burst of runs
// (the first backlog of disputes imported, a queue drained after an outage) goes that minute on statistics of
// nearly empty tables: the context's history part is then planned as sequential scans of runs, proposed actions
// and decisions, which cost more with every run. Measured (bench/warmup.ts, 8 starts and approvals in flight on
// a fresh database, 1 December 2026): without fresh statistics 82 runs/s at 200–400 runs falling to 28/s by 2,400;
// with this keeper 80 rising to 128 (ANALYZE before every 200 runs: 100 to 127). runtime/statistics.ts asks for
// this every few seconds.
import type { Db, Sql } from './connect.ts';

/** Held by the process analyzing: at most one such ANALYZE runs against the database at a time. */
export const STATISTICS_LOCK_KEY = 0x64697374; // 'dist'

/** Changes since a table's last ANALYZE that make it stale: as many as the table has rows, and at least this many. */
export const STALE_AFTER_CHANGES = 500;

/**
 * Tables of our schema changed since their last ANALYZE (autovacuum's or anyone's) by at least as many rows as
 * they hold (rows inserted, updated and deleted count), and by STALE_AFTER_CHANGES at least: those whose size the planner may misjudge severalfold. Once a
 * table is large autovacuum's tenth comes long before that, so only young tables are ever named.
 */
export async function staleTables(sql: Db, minChanges = STALE_AFTER_CHANGES): Promise<string[]> {
  // Only tables this role may analyze (it owns them, as the migrations made them, or it is a superuser): another's
  // would be skipped with a warning at every poll.
  const rows = await sql<{ relname: string }[]>`
    SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze >= greatest(${minChanges}::bigint, s.n_live_tup)
      AND pg_has_role(c.relowner, 'MEMBER')
    ORDER BY s.relname`;
  return rows.map((r) => r.relname);
}

/**
 * ANALYZE the tables that are still stale (looked at again under the lock), unless another process holds the lock:
 * then nothing is done and null is returned (that process is analyzing). Returns the tables analyzed.
 * ANALYZE takes a lock that only VACUUM, another ANALYZE and DDL wait for: runs go on meanwhile.
 */
export async function analyzeStale(sql: Sql, minChanges = STALE_AFTER_CHANGES): Promise<string[] | null> {
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${STATISTICS_LOCK_KEY}) AS locked`;
    if (!lock?.locked) return null;
    const tables = await staleTables(tx, minChanges);
    // Names read from the catalog, quoted as identifiers.
    for (const t of tables) await tx`ANALYZE ${tx(t)}`;
    return tables;
  });
}
