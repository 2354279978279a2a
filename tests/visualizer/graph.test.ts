// GET /api/machine (the statechart the inspector draws) and GET /api/contract, over real HTTP: every state
// and every transition of the machine is in the graph, including the `always` transitions that
// `machine.definition` leaves out, and the guards by name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disputeMachine, MACHINE_VERSION } from '../../machines/dispute.ts';
import { CONTRACT, holdReviewRule } from '../../machines/contract.ts';
import type { MachineGraph } from '../../server/visualizer/graph.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { transitionKey, walkConfig } from '../helpers/machineWalk.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;
let graph: MachineGraph;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
  const res = await fetch(`${srv.url}/api/machine`); // public: no token
  expect(res.status).toBe(200);
  graph = (await res.json()) as MachineGraph;
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

const walked = walkConfig(disputeMachine);

describe('GET /api/machine', () => {
  it('has every state node of the machine, with its type, parent and path', () => {
    expect(graph.machine).toEqual({ id: 'customer_invoice_dispute', version: MACHINE_VERSION, initial: 'customer_invoice_dispute.trigger' });
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(walked.states.map((s) => s.id).sort());
    for (const s of walked.states) {
      const n = graph.nodes.find((x) => x.id === s.id)!;
      expect({ id: n.id, type: n.type, path: n.path.join('.') }).toEqual({ id: s.id, type: s.type, path: s.path });
    }
    const fanOut = graph.nodes.find((n) => n.id === 'customer_invoice_dispute.fanOut')!;
    expect(fanOut.type).toBe('parallel');
    expect(fanOut.children.map((c) => c.split('.').at(-1))).toEqual(['draftResponse', 'escalate', 'arHoldDecision']);
    expect(graph.nodes.filter((n) => n.region).map((n) => n.key)).toEqual(['draftResponse', 'escalate', 'arHoldDecision']);
    expect(graph.nodes.filter((n) => n.path.length === 1 && n.type === 'final').map((n) => n.key).sort()).toEqual(
      ['blocked', 'completed', 'expired', 'failed', 'partial', 'rejected'],
    );
    expect(graph.nodes.find((n) => n.id.endsWith('fanOut.arHoldDecision'))!.initial).toBe('customer_invoice_dispute.fanOut.arHoldDecision.check');
    expect(graph.nodes.find((n) => n.key === 'awaitingApproval')!.entry).toEqual(['stageApproval', 'setTimer']);
  });

  it('has every transition of the machine, labelled with its event and guard, and no other', () => {
    expect(graph.edges.map(transitionKey).sort()).toEqual(walked.transitions.map(transitionKey).sort());
    expect(new Set(graph.edges.map((e) => e.id)).size).toBe(graph.edges.length);
    const labels = graph.edges.map((e) => e.label);
    expect(labels).toContain(`always [${holdReviewRule(CONTRACT)}]`);
    expect(labels).toContain('APPROVE [isCurrentEnvelope]');
    expect(labels).toContain('STEP_FAILED [canRetry]');
    expect(labels).toContain('onDone');
    expect(graph.events).toEqual(['APPROVAL_EXPIRED', 'APPROVAL_STAGED', 'APPROVE', 'CONTEXT_LOADED', 'EXTRACTED', 'REJECT', 'RETRY_STEP', 'STEP_FAILED', 'STEP_SUCCEEDED', 'VERIFY_RESULT']);
  });

  it('includes the always transitions that machine.definition omits, in priority order', () => {
    const always = graph.edges.filter((e) => e.kind === 'always').map((e) => `${e.source.split('.').at(-1)}#${e.order}:${e.guard ?? 'else'}→${e.target.split('.').at(-1)}`);
    expect(always.sort()).toEqual([
      `check#0:${holdReviewRule(CONTRACT)}→running`,
      'check#1:else→skipped',
      'post#0:allStepsFailed→failed',
      'post#1:else→verifying',
      'precondition#0:hasBlockingFailure→blocked',
      'precondition#1:else→awaitingApproval',
    ]);
    // Why the graph walks machine.root: the definition has no `always` (xstate 5.x).
    const def = disputeMachine.definition;
    expect(def.states.precondition!.transitions.some((t) => String(t.eventType) === '')).toBe(false);
  });

  it('keeps guard params and effect actions on the transitions; targetless transitions are self-loops', () => {
    const retry = graph.edges.find((e) => e.id.startsWith('customer_invoice_dispute.fanOut.escalate.running|STEP_FAILED|0'))!;
    expect(retry).toMatchObject({ guard: 'canRetry', guard_params: { step: 'escalate' }, actions: ['setTimer'], internal: false });
    const staged = graph.edges.find((e) => e.event === 'APPROVAL_STAGED')!;
    expect(staged).toMatchObject({ source: 'customer_invoice_dispute.awaitingApproval', target: 'customer_invoice_dispute.awaitingApproval', internal: true });
    const approve = graph.edges.find((e) => e.event === 'APPROVE')!;
    expect(approve.actions).toEqual(['cancelTimer', 'recordDecision']); // assign is bookkeeping, not shown
  });
});

describe('GET /api/contract', () => {
  it('serves the contract card publicly, joined with the machine', async () => {
    const res = await fetch(`${srv.url}/api/contract`);
    expect(res.status).toBe(200);
    const card = (await res.json()) as any;
    expect(card.contract).toEqual(JSON.parse(JSON.stringify(CONTRACT)));
    expect(card.contract.context_queries.prior_disputes.text).toMatch(/FROM ar_disputes/);
    expect(card.fan_out.find((f: any) => f.id === 'ar_hold_decision')).toMatchObject({
      if: holdReviewRule(CONTRACT),
      region: { state: 'fanOut.arHoldDecision', states: ['check', 'running', 'retrying', 'succeeded', 'failed', 'skipped'] },
    });
    expect(card.hitl_state.transitions.map((t: any) => `${t.label}→${t.target}`)).toEqual([
      'APPROVAL_STAGED→awaitingApproval', 'APPROVE [isCurrentEnvelope && correctsInvoiceOrCustomer]→recontext', 'APPROVE [isCurrentEnvelope]→fanOut', 'REJECT [isCurrentEnvelope]→rejected', 'APPROVAL_EXPIRED→expired',
    ]);
    expect(Object.fromEntries(card.machine.states.map((s: any) => [s.key, s.status]))).toMatchObject({
      trigger: 'running', awaitingApproval: 'awaiting_approval', fanOut: 'running', verifying: 'verifying', blocked: 'blocked',
    });
  });

  it('tells the pages the server clock (the injected one)', async () => {
    const res = await fetch(`${srv.url}/api/time`);
    expect(await res.json()).toEqual({ now: srv.clock.now().toISOString() });
  });
});
