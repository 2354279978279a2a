// Keeps the planner's statistics of young tables fresh (persistence/statistics.ts says why): every few seconds,
// one read of the table counters; an ANALYZE of the tables that hold twice the rows the planner counted.
// Every process runs one; an advisory lock lets one of them analyze at a time. Once the tables are large it
// never finds one (autovacuum's tenth comes first), and costs one small catalog read per poll.
import type { Sql } from '../persistence/connect.ts';
import { analyzeStale, staleTables } from '../persistence/statistics.ts';
import { Poller } from './poller.ts';

export interface StatisticsKeeperOptions {
  pollMs?: number;
  onError?: (err: unknown) => void;
  /** Told the tables each ANALYZE covered (for the log). */
  onAnalyzed?: (tables: string[]) => void;
}

export function statisticsKeeper(sql: Sql, opts: StatisticsKeeperOptions = {}): Poller {
  const job = async () => {
    if (!(await staleTables(sql)).length) return;
    const analyzed = await analyzeStale(sql);
    if (analyzed?.length) opts.onAnalyzed?.(analyzed);
  };
  return new Poller(sql, null, job, opts.pollMs ?? STATISTICS_POLL_MS, opts.onError);
}

/** How often the counters are read: a burst goes at most this long on statistics of a table less than half its size. */
export const STATISTICS_POLL_MS = 5_000;
