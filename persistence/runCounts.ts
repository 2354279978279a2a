// Runs per status, kept as a trigger on runs writes them (sql/migrations/0006, 0009): a change of status
// appends to run_status_deltas in the writing transaction, where no writer waits for another; folding the
// deltas into run_status_counts (a few rows per status) is one process's job at a time; a reader adds the two,
// a few hundred rows whatever the number of runs, where count(*) scanned them all.
import type { Db } from './connect.ts';

/** Held by the process folding: one fold at a time (two would wait for each other's deleted rows). */
export const RUN_COUNTS_LOCK_KEY = 0x636e7473; // 'cnts'

/** Runs per status (statuses with none left out). */
export async function runCounts(sql: Db): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    SELECT status, sum(n)::int AS n
    FROM (SELECT status, n FROM run_status_counts UNION ALL SELECT status, n FROM run_status_deltas) c
    GROUP BY status HAVING sum(n) <> 0 ORDER BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Folds the committed deltas into the counters, in one statement (the deltas deleted and their sums added, or
 * neither), unless another process is folding (then nothing, and null). Answers how many deltas it folded.
 */
export async function foldRunCounts(sql: Db): Promise<number | null> {
  const [r] = await sql<{ locked: boolean; folded: number }[]>`
    WITH lock AS (SELECT pg_try_advisory_xact_lock(${RUN_COUNTS_LOCK_KEY}) AS locked),
    moved AS (DELETE FROM run_status_deltas WHERE (SELECT locked FROM lock) RETURNING status, n),
    sums AS (SELECT status, sum(n)::bigint AS n, count(*)::int AS deltas FROM moved GROUP BY status),
    folded AS (
      INSERT INTO run_status_counts (status, shard, n)
      SELECT status, 0, n FROM sums ORDER BY status
      ON CONFLICT (status, shard) DO UPDATE SET n = run_status_counts.n + EXCLUDED.n)
    SELECT (SELECT locked FROM lock) AS locked, coalesce((SELECT sum(deltas) FROM sums), 0)::int AS folded`;
  return r!.locked ? r!.folded : null;
}
