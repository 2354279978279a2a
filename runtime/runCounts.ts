// Folds the run-count deltas (persistence/runCounts.ts) every few seconds, so that what GET /runs adds up stays
// a few rows per status. Every process runs one; an advisory lock lets one of them fold at a time.
import type { Sql } from '../persistence/connect.ts';
import { foldRunCounts } from '../persistence/runCounts.ts';
import { Poller } from './poller.ts';

/** How often: at 1,000 changes of status a second, a reader adds at most a few thousand deltas. */
export const RUN_COUNTS_FOLD_MS = 2_000;

export function runCountsFolder(sql: Sql, opts: { pollMs?: number; onError?: (err: unknown) => void } = {}): Poller {
  return new Poller(sql, null, async () => void (await foldRunCounts(sql)), opts.pollMs ?? RUN_COUNTS_FOLD_MS, opts.onError);
}
