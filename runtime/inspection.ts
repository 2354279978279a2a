// The Stately Inspector bridge (optional, for developers): replays committed runs to an `@statelyai/inspect`
// inspector, so a run can also be watched in Stately's inspector. It is a consumer of the same feed as the
// pages (the `disputeflow_runs` NOTIFY) and reads each run's new `run_journal` rows; the engine is untouched.
//
// Per run it sends: `@xstate.actor` once (with the machine's config as the definition), then for every
// journal row an `@xstate.event` and the `@xstate.snapshot` after it. The journal keeps the state value of
// every step but the context only as committed, so each snapshot carries the run's committed context.
//
// Runs hold customer data (emails, invoices). Stately's hosted inspector page receives what is sent here;
// enable this only where that is acceptable (STATELY_INSPECT is off by default).
import { createServer } from 'node:net';
import { createInspector, createWebSocketInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { AnyEventObject } from 'xstate';
import { disputeMachine } from '../machines/dispute.ts';
import { isTerminal, type RunStatus } from '../machines/status.ts';
import type { Sql } from '../persistence/connect.ts';
import { journalSince, statusAndContext } from '../persistence/runs.ts';
import type { RunFeed, RunNotice } from './runFeed.ts';

/** What the bridge needs of an inspector: the subset of `@statelyai/inspect`'s Inspector it calls. */
export type StatelyInspector = Pick<ReturnType<typeof createInspector>, 'actor' | 'event' | 'snapshot' | 'start' | 'stop'>;

export interface InspectionBridge {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when every notice received so far has been sent on (for tests and orderly shutdown). */
  idle(): Promise<void>;
}

/** The inspector's id of a run's actor. */
export const sessionIdOf = (runId: number) => `disputeflow.run.${runId}`;

/**
 * An actor-ref-like object: `inspector.actor()` reads the machine config from `logic` to send the definition.
 * A committed run has no live actor to pass, and xstate's ActorRef has some thirty members the inspector
 * never touches; hence the cast through unknown of the five it reads.
 */
function runActorRef(runId: number) {
  return {
    id: `run ${runId}`,
    sessionId: sessionIdOf(runId),
    logic: disputeMachine,
    send: () => {},
    getSnapshot: () => undefined,
  } as unknown as Parameters<StatelyInspector['actor']>[0]; // the five members it reads (see above)
}

export function inspectionBridge(deps: { sql: Sql; feed: RunFeed; inspector: StatelyInspector; onError?: (err: unknown) => void }): InspectionBridge {
  const onError = deps.onError ?? (() => {});
  const sent = new Map<number, number>(); // run id → last journal seq sent
  const queues = new Map<number, Promise<void>>(); // one replay at a time per run, in notice order
  let unsubscribe: (() => void) | undefined;

  async function replay(n: RunNotice): Promise<void> {
    const last = sent.get(n.run_id) ?? -1;
    if (n.seq <= last) return;
    const rows = await journalSince(deps.sql, n.run_id, last);
    if (!rows.length) return;
    const run = await statusAndContext<RunStatus>(deps.sql, n.run_id);
    const context = run?.context ?? {};
    const id = sessionIdOf(n.run_id);
    if (last < 0) deps.inspector.actor(runActorRef(n.run_id), { status: 'active', context, value: rows[0]!.state_after });
    rows.forEach((row, i) => {
      const done = i === rows.length - 1 && run !== undefined && isTerminal(run.status);
      if (row.event.type !== 'xstate.init') deps.inspector.event(id, row.event);
      deps.inspector.snapshot(id, { status: done ? 'done' : 'active', context, value: row.state_after }, { event: row.event });
    });
    sent.set(n.run_id, rows.at(-1)!.seq);
  }

  const enqueue = (n: RunNotice) => {
    const next = (queues.get(n.run_id) ?? Promise.resolve()).then(() => replay(n)).catch(onError);
    queues.set(n.run_id, next);
    void next.finally(() => {
      if (queues.get(n.run_id) === next) queues.delete(n.run_id);
    });
  };

  return {
    async start() {
      deps.inspector.start();
      unsubscribe = await deps.feed.subscribe({
        notice: enqueue,
        // After a reconnect, whatever was missed is picked up by the next notice of each run (rows > last seq).
        resync: () => {},
      });
    },
    async idle() {
      while (queues.size) await Promise.all([...queues.values()]);
    },
    async stop() {
      unsubscribe?.();
      await this.idle();
      deps.inspector.stop();
    },
  };
}

/** STATELY_INSPECT: unset/`0` off; `1` run the local relay (`@statelyai/inspect/server`) and send to it; or a ws:// URL of a running relay. */
export function parseStatelyInspect(value: string | undefined): { url: string; relayPort: number | null } | null {
  if (!value || value === '0' || value === 'false') return null;
  if (value === '1' || value === 'true') return { url: 'ws://localhost:8080', relayPort: 8080 };
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error('STATELY_INSPECT must be 1, 0 or a ws:// URL of a Stately inspector relay');
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error('STATELY_INSPECT must be 1, 0 or a ws:// URL of a Stately inspector relay');
  return { url: value, relayPort: null };
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
      .once('error', () => resolve(false))
      .listen(port, () => s.close(() => resolve(true)));
  });

/**
 * The inspector for STATELY_INSPECT: a WebSocket inspector, plus (for `1`) the local relay whose page embeds
 * Stately's inspector (that page needs the internet; our own /inspector does not). Returns what to stop.
 */
export async function statelyInspector(
  cfg: { url: string; relayPort: number | null },
  log: (msg: string) => void,
): Promise<{ inspector: StatelyInspector; stop(): void }> {
  let relay: { stop(): void } | undefined;
  if (cfg.relayPort !== null) {
    if (await portFree(cfg.relayPort)) {
      const { createInspectorServer } = await import('@statelyai/inspect/server');
      relay = createInspectorServer({ port: cfg.relayPort, autoOpen: false });
      log(`Stately inspector relay: open http://localhost:${cfg.relayPort} (the page loads stately.ai/inspect)`);
    } else log(`port ${cfg.relayPort} is taken: sending to the Stately relay already running there`);
  }
  // Deep enough for the machine's config (the definition) and the run's context.
  const inspector = createWebSocketInspector({ url: cfg.url, serializationDepthLimit: 40, autoStart: false });
  return {
    inspector,
    stop() {
      inspector.stop();
      relay?.stop();
    },
  };
}

export type { StatelyInspectionEvent };
