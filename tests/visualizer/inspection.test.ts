// The Stately Inspector bridge (runtime/inspection.ts), offline: what it sends for a run, through
// `createInspector` with our own adapter, and end to end through the local relay
// (`@statelyai/inspect/server`) to a WebSocket receiver — no stately.ai involved.
import { createServer } from 'node:net';
import { createInspector, createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectionBridge, parseStatelyInspect, sessionIdOf, statelyInspector } from '../../runtime/inspection.ts';
import { runFeed, type RunFeed } from '../../runtime/runFeed.ts';
import { CONTRACT, holdReviewRule } from '../../machines/contract.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { waitFor } from '../helpers/process.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;
let feed: RunFeed;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
  feed = runFeed(db.sql);
});
afterAll(async () => {
  await feed.close();
  await srv.close();
  await db.drop();
});

let n = 0;
async function startAndApprove(): Promise<{ runId: number; approve(): Promise<void> }> {
  const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1003, `inspect-${++n}`));
  const { run_id } = (await res.json()) as { run_id: number };
  return {
    runId: run_id,
    approve: async () => {
      const run = (await (await srv.api('GET', `/runs/${run_id}`)).json()) as any;
      expect((await srv.api('POST', `/proposed-actions/${run.proposed_actions[0].id}/approve`, {})).status).toBe(200);
    },
  };
}

/** A snapshot as the inspector receives it (xstate's Snapshot type does not declare value/context). */
const snap = (e: StatelyInspectionEvent) => (e.type === '@xstate.event' ? {} : (e.snapshot as { value?: unknown; context?: any; status?: string }));
const isSnapshotAt = (e: StatelyInspectionEvent, value: string) => e.type === '@xstate.snapshot' && snap(e).value === value;

const brief = (e: StatelyInspectionEvent) =>
  e.type === '@xstate.actor' ? `actor ${e.name}` : e.type === '@xstate.event' ? `event ${e.event.type}` : `snapshot ${JSON.stringify(snap(e).value)} (${e.event.type})`;

describe('inspection bridge', () => {
  it('sends a run as an actor with the machine definition, then each committed event and the snapshot after it', async () => {
    const sent: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (e) => sent.push(e) }, { serializationDepthLimit: 40 });
    const bridge = inspectionBridge({ sql: db.sql, feed, inspector });
    await bridge.start();
    const run = await startAndApprove();
    await waitFor(() => sent.some((e) => isSnapshotAt(e, 'awaitingApproval')), 5000, () => JSON.stringify(sent.map(brief)));
    await bridge.idle();

    const mine = sent.filter((e) => e.sessionId === sessionIdOf(run.runId));
    expect(mine.map(brief)).toEqual([
      'actor customer_invoice_dispute',
      'snapshot "trigger" (xstate.init)',
      'event EXTRACTED',
      'snapshot "context" (EXTRACTED)',
      'event CONTEXT_LOADED',
      'snapshot "awaitingApproval" (CONTEXT_LOADED)',
      'event APPROVAL_STAGED',
      'snapshot "awaitingApproval" (APPROVAL_STAGED)',
    ]);
    const actor = mine[0] as Extract<StatelyInspectionEvent, { type: '@xstate.actor' }>;
    const definition = JSON.parse(actor.definition!);
    expect(definition.id).toBe('customer_invoice_dispute');
    expect(definition.states.fanOut.type).toBe('parallel');
    expect(JSON.stringify(definition.states.fanOut.states.arHoldDecision.states.check.always[0].guard)).toBe(JSON.stringify(holdReviewRule(CONTRACT)));
    const last = snap(mine.at(-1)!);
    expect(last.status).toBe('active');
    expect(last.context.prior_disputes).toBe(2);

    sent.length = 0;
    await run.approve();
    await waitFor(() => sent.some((e) => isSnapshotAt(e, 'verifying')), 5000, () => JSON.stringify(sent.map(brief)));
    await bridge.idle();
    const after = sent.filter((e) => e.sessionId === sessionIdOf(run.runId)).map(brief);
    expect(after[0]).toBe('event APPROVE');
    expect(after).toContain('event STEP_SUCCEEDED');
    expect(after.at(-1)).toBe('snapshot "verifying" (STEP_SUCCEEDED)');
    expect(after.filter((x) => x.startsWith('actor'))).toEqual([]); // registered once
    await bridge.stop();
  });

  it('streams to a Stately relay over WebSocket (STATELY_INSPECT=1 path), offline', async () => {
    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    const logs: string[] = [];
    const target = await statelyInspector({ url: `ws://localhost:${port}`, relayPort: port }, (m) => logs.push(m));
    expect(logs.join('\n')).toContain(`http://localhost:${port}`);
    const received: StatelyInspectionEvent[] = [];
    createWebSocketReceiver({ server: `ws://localhost:${port}` }).subscribe((e) => received.push(e));
    const bridge = inspectionBridge({ sql: db.sql, feed, inspector: target.inspector });
    await bridge.start();
    try {
      const run = await startAndApprove();
      await waitFor(
        () => received.some((e) => e.sessionId === sessionIdOf(run.runId) && isSnapshotAt(e, 'awaitingApproval')),
        8000,
        () => JSON.stringify(received.map(brief)),
      );
      expect(received.find((e) => e.sessionId === sessionIdOf(run.runId))!.type).toBe('@xstate.actor');
    } finally {
      await bridge.stop();
      target.stop();
    }
  });

  it('reads STATELY_INSPECT', () => {
    expect(parseStatelyInspect(undefined)).toBeNull();
    expect(parseStatelyInspect('0')).toBeNull();
    expect(parseStatelyInspect('1')).toEqual({ url: 'ws://localhost:8080', relayPort: 8080 });
    expect(parseStatelyInspect('ws://devbox:9000')).toEqual({ url: 'ws://devbox:9000', relayPort: null });
    expect(() => parseStatelyInspect('http://x')).toThrow(/STATELY_INSPECT/);
  });
});
