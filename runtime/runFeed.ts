// The live feed of committed run events: one `LISTEN disputeflow_runs` per process (postgres.js keeps it on
// a dedicated connection and re-listens after a reconnect), fanned out to any number of subscribers (the
// SSE clients, the Stately inspection bridge). Any process's commits reach every process's subscribers.
import type { Sql } from '../persistence/connect.ts';
import { RUN_CHANNEL } from './engine.ts';

/** What the engine NOTIFYs after each committed event: the run, its status and its last journal seq. */
export interface RunNotice {
  run_id: number;
  status: string;
  seq: number;
}

export interface FeedSubscriber {
  notice(n: RunNotice): void;
  /** The LISTEN connection was re-established: notices may have been missed, re-read what you show. */
  resync?(): void;
  /** The feed is closing (process shutdown): end what you hold open. */
  close?(): void;
}

export interface RunFeed {
  /** Resolves once the LISTEN is active, so anything committed after it is delivered. */
  subscribe(s: FeedSubscriber): Promise<() => void>;
  readonly size: number;
  close(): Promise<void>;
}

export function parseNotice(payload: string): RunNotice | null {
  try {
    const n = JSON.parse(payload) as Partial<RunNotice>;
    if (typeof n.run_id !== 'number' || typeof n.status !== 'string' || typeof n.seq !== 'number') return null;
    return { run_id: n.run_id, status: n.status, seq: n.seq };
  } catch {
    return null;
  }
}

/**
 * How long the feed waits for more re-LISTENs before telling subscribers to resync. While the database is
 * down, postgres.js queues one LISTEN per failed reconnect attempt and confirms them all (each with its
 * onlisten call) once it is back: without this, every SSE client got dozens of `resync` events and re-read
 * everything as many times.
 */
const RESYNC_SETTLE_MS = 200;

export function runFeed(sql: Sql, onError: (err: unknown) => void = () => {}): RunFeed {
  const subscribers = new Set<FeedSubscriber>();
  let listening: Promise<{ unlisten(): Promise<void> }> | undefined;
  let listens = 0;
  let closed = false;
  let resyncTimer: NodeJS.Timeout | undefined;

  const each = (fn: (s: FeedSubscriber) => void) => {
    for (const s of [...subscribers]) {
      try {
        fn(s);
      } catch (err) {
        onError(err);
      }
    }
  };

  const listen = () =>
    sql.listen(
      RUN_CHANNEL,
      (payload) => {
        const n = parseNotice(payload);
        if (n) each((s) => s.notice(n));
      },
      // Called on the first LISTEN and again after every reconnect (in a burst after an outage: one resync).
      () => {
        if (listens++ === 0 || closed) return;
        clearTimeout(resyncTimer);
        resyncTimer = setTimeout(() => {
          resyncTimer = undefined;
          if (!closed) each((s) => s.resync?.());
        }, RESYNC_SETTLE_MS);
        resyncTimer.unref();
      },
    );

  return {
    get size() {
      return subscribers.size;
    },
    async subscribe(s) {
      if (closed) throw new Error('the run feed is closed');
      subscribers.add(s);
      try {
        listening ??= listen();
        await listening;
      } catch (err) {
        listening = undefined;
        subscribers.delete(s);
        throw err;
      }
      return () => void subscribers.delete(s);
    },
    async close() {
      closed = true;
      clearTimeout(resyncTimer);
      each((s) => s.close?.());
      subscribers.clear();
      const l = listening;
      listening = undefined;
      await l?.then((x) => x.unlisten()).catch(onError);
    },
  };
}
