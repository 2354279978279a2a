// One claim-and-apply loop for every queue in the database (due timers, due verify checks, the outbox):
// each item is claimed and applied in one transaction of its own, so a crash between two items loses or
// repeats nothing, and any number of processes can drain the same queue (the claim skips rows another
// transaction holds). The loop stops when nothing is due or after `max` items, so one call never runs
// unbounded; the pollers call it again.
import type { DisputeEvent } from '../machines/types.ts';
import type { Sql, Tx } from '../persistence/connect.ts';
import { applyEventInTransaction, failUnrestorable, type EngineDeps, type Finish } from './engine.ts';
import { RunRestoreError } from './restore.ts';

export interface ClaimJob<Item, Result> {
  /** In the item's transaction: claim the next due item (lock it `FOR UPDATE SKIP LOCKED`, or lease it). */
  claim(tx: Tx): Promise<Item | undefined>;
  /** Still in that transaction, holding the claim: do the work, record it. Leave out when the work is outside the database. */
  apply?(tx: Tx, item: Item): Promise<Result>;
  /** After commit: work the transaction must not wait for (a delivery over the network, failing a run). */
  afterCommit?(item: Item, applied: Result | undefined): Promise<Result>;
}

/** Claims and applies due items one transaction each until none is due or `max` are done; returns their results. */
export async function claimAndApply<Item, Result>(sql: Sql, job: ClaimJob<Item, Result>, max: number): Promise<Result[]> {
  const out: Result[] = [];
  while (out.length < max) {
    const claimed = await sql.begin(async (tx) => {
      const item = await job.claim(tx);
      if (item === undefined) return undefined;
      return { item, applied: job.apply ? await job.apply(tx, item) : undefined };
    });
    if (claimed === undefined) break;
    const result = job.afterCommit ? await job.afterCommit(claimed.item, claimed.applied) : claimed.applied;
    out.push(result as Result);
  }
  return out;
}

/**
 * Applies a queued event to its run inside the claiming transaction. A run whose snapshot cannot be
 * restored is returned instead of thrown (restoring fails before anything is written), so the claim's
 * own writes still commit; the caller fails that run after commit (`failUnrestorableAfter`). With `finish`,
 * the event is the transaction's last work and its COMMIT goes out with the run's save (engine.ts, Finish):
 * the job's `apply` then returns as soon as this does.
 */
export async function applyQueuedEvent(deps: EngineDeps, tx: Tx, runId: number, event: DisputeEvent, finish?: Finish): Promise<RunRestoreError | undefined> {
  try {
    await applyEventInTransaction(deps, tx, runId, event, finish);
    return undefined;
  } catch (err) {
    if (err instanceof RunRestoreError) return err;
    throw err;
  }
}

/** After commit: a run found unrestorable while its queued event was applied is marked failed, with an alert. */
export async function failUnrestorableAfter(deps: EngineDeps, runId: number, err: RunRestoreError | undefined): Promise<void> {
  if (err) await failUnrestorable(deps, runId, err);
}
