// Group commit: the engine's events share transactions when they arrive faster than the database commits them.
// At most `transactions` engine transactions are open at once; work that arrives while they are all busy
// waits, and the next free one takes everything waiting (up to `batch` items, one per key) into a single
// transaction, each item's work running side by side on its connection (postgres.js pipelines what they send).
// Under light load nothing waits and every item runs alone, exactly as without this; under load, a run's
// events cost a fraction of a transaction's fixed work (BEGIN, COMMIT, the round trips, the WAL flush): the
// engine's starts per second rose by half with 4–8 runs a transaction (BENCHMARKS.md, round 9).
//
// An item is written twice: `together(tx)` runs inside a shared transaction, `alone()` in a transaction of its
// own (what the caller did before). Together, one item's failure is every item's: the transaction rolls back and
// each item then runs alone, so a failure is its own item's again and the others commit as if nothing had
// happened (what went wrong costs one transaction's work twice, nothing is lost or half-written). Work that
// needs a savepoint (a fallible step) does without one together and lets its failure abort the transaction: it
// runs alone next, where the savepoint catches it. The database going away is not retried alone: every
// item of the transaction is told, as it would have been on its own. The COMMIT goes out as soon as every item
// has sent its last statement (`sentLast`), with those statements, not a round trip after their answers.
import { commitNow, isDatabaseUnavailable, type Sql, type Tx } from '../persistence/connect.ts';

/**
 * ENGINE_BATCH and ENGINE_TRANSACTIONS when unset. Two transactions of up to eight: on two cores with PostgreSQL
 * local and eight callers (BENCHMARKS.md, round 9) approvals per second rose 1.8× and starts 1.5×; one
 * transaction, or batches of sixteen, measured the same, and with one a slow transaction would hold up every
 * event of the process.
 */
export const GROUP_COMMIT_DEFAULTS = { batch: 8, transactions: 2 } as const;

export interface GroupCommitOptions {
  /** The most items in one transaction; 1 runs every item alone. */
  batch: number;
  /** The most transactions open at once; what arrives while they are all open waits for the next. */
  transactions: number;
  /**
   * Told of each transaction: how many items it held, and how it ended: committed, rolled back with each item
   * then run alone, or failed with the database unavailable (every item told).
   */
  observe?: ((size: number, outcome: GroupOutcome) => void) | undefined;
}

/** How a transaction ended: `failed` is an item alone whose work failed (its caller is told). */
export type GroupOutcome = 'committed' | 'alone' | 'unavailable' | 'failed';

interface Item {
  key: string;
  together: (tx: Tx) => Promise<unknown>;
  alone: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

/** Thrown together when two items of one transaction turn out to touch the same run: both then run alone. */
export class SameRunInTransaction extends Error {
  readonly code = 'same_run_in_transaction';
}

/**
 * Waits for every promise (none is left running, about to send a statement behind a ROLLBACK), then throws the
 * first failure, or answers every value in order.
 */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/**
 * A shared transaction's state: the runs its items have claimed (`claimRun`), what `sentLast` tells, whether its
 * COMMIT has gone out (`shareUntilSentLast`), and whether a fallible step ran in it without a savepoint
 * (`ranFallibleTogether`).
 */
interface SharedState {
  runs: Set<number>;
  onSentLast: (() => void) | undefined;
  committing: boolean;
  fallibleRan: boolean;
}
const shared = new WeakMap<Tx, SharedState>();

/**
 * Marks the transaction as shared by several runs' work: the engine then runs a fallible step without a
 * savepoint (rolling back to one would undo the other items' statements sent since) and leaves the COMMIT to
 * whoever opened it, and `claimRun` refuses a second event on one run. GroupCommit marks its transactions, with
 * `onSentLast` (see `sentLast`); so does the verify scheduler when it records several runs' checks in one.
 */
export function shareTransaction(tx: Tx, onSentLast?: () => void): SharedState {
  const state: SharedState = { runs: new Set(), onSentLast, committing: false, fallibleRan: false };
  shared.set(tx, state);
  return state;
}

/**
 * Marks the transaction as shared by `items` items' work and sends its COMMIT as soon as each has said `sentLast`,
 * in the same write as the last one's statements (`committing` then says so). GroupCommit's transactions and
 * `optimistically`'s.
 */
function shareUntilSentLast(tx: Tx, items: number): SharedState {
  let left = items;
  const state = shareTransaction(tx, () => {
    if (--left > 0 || state.committing) return;
    state.committing = true;
    void commitNow(tx).catch(() => {}); // its outcome is the transaction's (sql.begin awaits it)
  });
  return state;
}

/** Whether the transaction is shared by several runs' work (`shareTransaction`). */
export const isShared = (tx: Tx): boolean => shared.has(tx);

/**
 * Called by work running together once it has locked run `runId`: a second item of the same transaction on
 * the same run would read the run as the first found it and overwrite what the first wrote, so it fails the
 * transaction instead (both then run alone, one after the other under the run's lock). Does nothing in a
 * transaction that is not shared.
 */
export function claimRun(tx: Tx, runId: number): void {
  const claimed = shared.get(tx)?.runs;
  if (!claimed) return;
  if (claimed.has(runId)) throw new SameRunInTransaction(`run ${runId} has two events in one shared transaction`);
  claimed.add(runId);
}

/**
 * Called once by an item's work in a GroupCommit transaction when it has sent its last statement: it will send
 * nothing more and can fail only through the statements already sent. When every item of the transaction has
 * said so, the COMMIT goes out at once, in the same write as the last item's statements, instead of a round trip
 * after their answers (`commitNow`); an item that never says so leaves the COMMIT to the end, as usual. Does
 * nothing in any other transaction.
 */
export function sentLast(tx: Tx): void {
  shared.get(tx)?.onSentLast?.();
}

/**
 * Called by the engine when it runs a fallible step without a savepoint because the transaction is shared: in a
 * transaction of `optimistically`, a failure then means the work runs again with savepoints.
 */
export function ranFallibleTogether(tx: Tx): void {
  const state = shared.get(tx);
  if (state) state.fallibleRan = true;
}

/**
 * Runs one item's work in a transaction of its own as a shared transaction of one: the fallible steps go side by
 * side with the rest instead of each at a savepoint a round trip apart (an approval's fan-out: three round trips
 * instead of five), and the COMMIT goes out with its last statements. Should the work fail after a fallible step
 * ran that way, that step's failure may be what a savepoint would have caught: the transaction has rolled back,
 * and the work runs again in a transaction where each fallible step has its savepoint (once more for an event whose
 * step fails: the exception, not the rule). Any other failure is the work's own and goes to the caller as it is.
 * With `group`, its observer is told of a transaction rolled back that way.
 */
export async function optimistically<T>(sql: Sql, work: (tx: Tx) => Promise<T>, group?: GroupCommit): Promise<T> {
  let state: SharedState | undefined;
  let outcome: PromiseSettledResult<T>;
  try {
    // (The outcome boxed: postgres.js's begin() types an array answer as its elements unwrapped.)
    ({ outcome } = await sql.begin(async (tx) => {
      const one = (state = shareUntilSentLast(tx, 1));
      const [settled] = await Promise.allSettled([work(tx)]);
      // Before the COMMIT went out, a failure rolls the transaction back. After it, the transaction's outcome is
      // the COMMIT's (a failed statement turned it into a rollback, and sql.begin throws); a failure of the work
      // otherwise is its own, after what it wrote was committed: told to the caller, not run again.
      if (settled!.status === 'rejected' && !one.committing) throw settled!.reason;
      return { outcome: settled! };
    }));
  } catch (err) {
    if (!state?.fallibleRan || isDatabaseUnavailable(err)) throw err;
    group?.tell(1, 'alone'); // the metrics' engine transactions (server/metrics.ts): this one rolled back
    return (await sql.begin(async (tx) => ({ value: await work(tx) }))).value;
  }
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

export class GroupCommit {
  private readonly waiting: Item[] = [];
  private open = 0;

  constructor(
    private readonly sql: Sql,
    private readonly opts: GroupCommitOptions,
  ) {
    if (!(opts.batch >= 1 && opts.transactions >= 1)) throw new Error('GroupCommit: batch and transactions must be at least 1');
  }

  /**
   * Runs the work, together with whatever else is waiting or alone. `key` names what it touches (`run:42`,
   * `email:…`): two items with the same key never share a transaction, and a transaction's items start in the
   * order of their keys, so that two transactions lock the rows they share in the same order.
   */
  submit<T>(key: string, together: (tx: Tx) => Promise<T>, alone: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ key, together, alone, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** The most items in one transaction (the verify scheduler claims as many checks at once). */
  get batch(): number {
    return this.opts.batch;
  }

  /** Items waiting for a transaction (for the metrics). */
  get queued(): number {
    return this.waiting.length;
  }

  private pump(): void {
    // Whatever waits goes as soon as a transaction is free: one item alone when nothing else waits, so nothing
    // waits under light load. (Holding a lone item back for the open transaction to end, to go with more, was
    // measured: the same peak, and approvals at half of it waited longer, p99 21–31 ms against 18–22.)
    while (this.open < this.opts.transactions && this.waiting.length > 0) {
      const items = this.take();
      this.open++;
      // The slot is given back a turn of the event loop later: the items just answered have by then submitted
      // their callers' next work, which goes together instead of one of them going alone at once.
      void this.runBatch(items).finally(() =>
        setImmediate(() => {
          this.open--;
          this.pump();
        }),
      );
    }
  }

  /** The first waiting items with distinct keys, up to `batch`, in arrival order; the others keep their places. */
  private take(): Item[] {
    const keys = new Set<string>();
    const taken: Item[] = [];
    for (let i = 0; i < this.waiting.length && taken.length < this.opts.batch; ) {
      const item = this.waiting[i]!;
      if (keys.has(item.key)) {
        i++;
        continue;
      }
      keys.add(item.key);
      taken.push(item);
      this.waiting.splice(i, 1);
    }
    return taken;
  }

  private async runBatch(items: Item[]): Promise<void> {
    if (items.length === 1) {
      const item = items[0]!;
      try {
        const value = await item.alone();
        this.tell(1, 'committed');
        item.resolve(value);
      } catch (err) {
        this.tell(1, 'failed');
        item.reject(err);
      }
      return;
    }
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      outcomes = await this.sql.begin(async (tx) => {
        const state = shareUntilSentLast(tx, items.length);
        // Every item's work is settled before the transaction ends, whatever failed: one still running would
        // otherwise send its next statement behind the ROLLBACK, outside the transaction.
        // (An item that throws at once is a rejection like any other: the ones started before it are settled too.)
        const settled = await Promise.allSettled(items.map(async (item) => item.together(tx)));
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        // Before the COMMIT went out, a failure rolls the transaction back. After it, the transaction's outcome
        // is the COMMIT's (a failed statement turned it into a rollback, and sql.begin throws): an item that failed
        // otherwise is told its own failure and the others their results.
        if (failed && !state.committing) throw failed.reason;
        return settled;
      });
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        this.tell(items.length, 'unavailable');
        for (const item of items) item.reject(err);
        return;
      }
      // One item's failure (or two items on one run): each runs alone, side by side, as without group commit.
      this.tell(items.length, 'alone');
      await Promise.all(items.map((item) => settle(item, item.alone)));
      return;
    }
    this.tell(items.length, 'committed');
    items.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.status === 'fulfilled') item.resolve(o.value);
      else item.reject(o.reason);
    });
  }

  /**
   * Tells the observer of one transaction: the group's own, and a lone item's that `optimistically` rolled back and
   * ran again with savepoints (told `alone`, as a rolled-back group is). The observer is told before the callers
   * are; it must not keep them from being told.
   */
  tell(size: number, outcome: GroupOutcome): void {
    try {
      this.opts.observe?.(size, outcome);
    } catch {
      // a metric not recorded; the items' outcome stands
    }
  }
}

/** Runs f for the item and tells the item's caller. */
async function settle(item: Item, f: () => Promise<unknown>): Promise<void> {
  try {
    item.resolve(await f());
  } catch (err) {
    item.reject(err);
  }
}
