// Model-based test: the shortest paths of the dispute machine (xstate/graph), each driven through the real
// runner, HTTP API, timers and verify scheduler against a real database. The machine is the model; the
// runner must land every run in the state the model predicts, and nothing but the HITL envelope may exist
// before approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import { disputeMachine, type DisputeSnapshot } from '../../machines/dispute.ts';
import { FAN_OUT_STEPS, type StepName } from '../../machines/contract.ts';
import { statusOf } from '../../machines/status.ts';
import type { DisputeEvent, LoadedContext } from '../../machines/types.ts';
import { fireDueTimers } from '../../runtime/timers.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { runStep } from '../../steps/fanout.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { triageFor } from '../helpers/fixtures.ts';

type Scenario = 'one_dispute' | 'many_disputes' | 'missing_invoice';
const SCENARIO_CUSTOMER: Record<Scenario, number> = { one_dispute: 1002, many_disputes: 1003, missing_invoice: 1016 };

const loaded = (s: Scenario): LoadedContext => ({
  customer: { id: SCENARIO_CUSTOMER[s] }, invoice: s === 'missing_invoice' ? null : { id: 1 }, invoice_matches: s === 'missing_invoice' ? 0 : 1,
  recent_payments: [], prior_disputes: s === 'many_disputes' ? 2 : 0, open_disputes: [], prior_invoices: [],
});
const scenarioOf = (l: LoadedContext): Scenario => (l.invoice === null ? 'missing_invoice' : l.prior_disputes >= 2 ? 'many_disputes' : 'one_dispute');

// Every event the model may take, with representative payloads (the `events` option replaces the default).
const EVENTS: DisputeEvent[] = [
  { type: 'EXTRACTED', extraction: { invoice_ref: 'INV-1', customer_id: 1, reason_code: 'PRC', warnings: [] } },
  ...(['one_dispute', 'many_disputes', 'missing_invoice'] as Scenario[]).map((s) => ({ type: 'CONTEXT_LOADED', loaded: loaded(s) }) as DisputeEvent),
  { type: 'APPROVAL_STAGED', action_id: 1 },
  { type: 'APPROVE', action_id: 1, by: 'mike', note: null, at: 'x' },
  { type: 'REJECT', action_id: 1, by: 'mike', reason: 'no', at: 'x' },
  { type: 'APPROVAL_EXPIRED', at: 'x' },
  ...FAN_OUT_STEPS.flatMap((step) => [
    { type: 'STEP_SUCCEEDED', step, proposed_action_id: 1 } as DisputeEvent,
    { type: 'STEP_FAILED', step, error: 'e' } as DisputeEvent,
    { type: 'RETRY_STEP', step } as DisputeEvent,
  ]),
  { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'pass', detail: null },
  { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'fail', detail: null },
];

/** The runner always answers its own effects within the transaction: only these states are observable. */
function observable(s: DisputeSnapshot): boolean {
  const v = s.value;
  if (typeof v === 'string') return !['trigger', 'context', 'precondition', 'post'].includes(v) && !(v === 'awaitingApproval' && s.context.envelope_id === null);
  const regions = Object.values((v as { fanOut: Record<string, string> }).fanOut);
  return !regions.includes('running') && !regions.includes('check');
}

const abstract = (s: DisputeSnapshot) =>
  JSON.stringify([s.value, s.context.prior_disputes >= 2, s.context.loaded?.invoice === null, s.context.envelope_id !== null,
    FAN_OUT_STEPS.map((k) => [s.context.steps[k].status, s.context.steps[k].attempts]), s.context.outcome, s.context.verify?.result ?? null]);

const paths = getShortestPaths(disputeMachine, {
  input: { run_id: 1, email_uuid: 'model', customer_id: null, invoice_ref: null, reason_text: 'x', email: null, invoked_by: 'model', started_at: 'x' },
  events: EVENTS,
  serializeState: (s) => abstract(s as DisputeSnapshot),
}).filter((p) => observable(p.state as DisputeSnapshot));

let db: TestDatabase;
let srv: TestServer;
// Per step, the outcomes the next attempts will have (from the path): the real step fails by violating a constraint.
let plan: Record<StepName, ('ok' | 'fail')[]>;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql, {
    effects: {
      runStep: async (c, p) => {
        if (plan[p.step].shift() === 'fail') {
          await c.tx`INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
            VALUES (${c.run.id}, ${p.step}, 'x', 'x', 'x', '{}', 'not-a-status', ${c.now})`;
        }
        return runStep(c, p);
      },
    },
  });
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

const engine = () => ({ sql: db.sql, clock: srv.clock, effects: srv.effects });

describe('shortest paths of the dispute machine, through the real runner', () => {
  it('covers every final state and the retry and verification states', () => {
    const finals = new Set(paths.map((p) => p.state.value).filter((v) => typeof v === 'string'));
    expect([...finals].sort()).toEqual(['awaitingApproval', 'completed', 'expired', 'failed', 'partial', 'rejected', 'verifying']);
    expect(paths.some((p) => typeof p.state.value === 'object')).toBe(true);
    expect(paths.length).toBeGreaterThan(20);
  });

  it.each(paths.map((p, i) => [i, p.steps.map((s) => s.event.type).join(' → '), p] as const))('path %i: %s', async (i, _desc, path) => {
    const events = path.steps.map((s) => s.event);
    const ctxEvent = events.find((e) => e.type === 'CONTEXT_LOADED') as Extract<DisputeEvent, { type: 'CONTEXT_LOADED' }>;
    const scenario = scenarioOf(ctxEvent.loaded);
    plan = { draftResponse: [], escalate: [], arHoldDecision: [] };
    for (const e of events) {
      if (e.type === 'STEP_SUCCEEDED') plan[e.step].push('ok');
      if (e.type === 'STEP_FAILED') plan[e.step].push('fail');
    }
    const res = await srv.triage(triageFor((e) => e.expected.customer_id === SCENARIO_CUSTOMER[scenario], `model-${i}`));
    expect(res.status).toBe(202);
    const { run_id } = (await res.json()) as { run_id: number };
    const [envelope] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run_id} AND step = 'approval'`;
    let approved = false;
    for (const e of events) {
      if (!approved) {
        const staged = await db.sql`SELECT action_type FROM proposed_actions WHERE run_id = ${run_id}`;
        expect(staged.map((r) => r.action_type)).toEqual(['workflow_customer_invoice_dispute']);
      }
      if (e.type === 'APPROVE' || e.type === 'REJECT') {
        const r = await srv.api('POST', `/proposed-actions/${envelope!.id}/${e.type === 'APPROVE' ? 'approve' : 'reject'}`, e.type === 'REJECT' ? { reason: 'model' } : {});
        expect(r.status).toBe(200);
        approved = e.type === 'APPROVE';
      } else if (e.type === 'APPROVAL_EXPIRED') {
        srv.clock.advance(60 * 60_000);
        await fireDueTimers(engine());
      } else if (e.type === 'RETRY_STEP') {
        srv.clock.advance(3000);
        expect(await fireDueTimers(engine(), { only: { run_id, name: `retry:${e.step}` } })).toBe(1);
      } else if (e.type === 'VERIFY_RESULT') {
        if (e.result === 'fail') await db.sql`DELETE FROM proposed_actions WHERE run_id = ${run_id} AND action_type = 'customer_email'`;
        srv.clock.advance(31_000);
        await runDueChecks(engine());
      }
    }
    const run = (await (await srv.api('GET', `/runs/${run_id}`)).json()) as { state: unknown; status: string; steps: Record<string, { status: string; attempts: number }> };
    expect(run.state).toEqual(path.state.value);
    expect(run.status).toBe(statusOf(path.state.value));
    for (const k of FAN_OUT_STEPS) expect(run.steps[k]).toMatchObject({ status: path.state.context.steps[k].status, attempts: path.state.context.steps[k].attempts });
    const [counts] = await db.sql`SELECT (SELECT count(*) FROM workflow_run_log WHERE run_id = ${run_id})::int AS logs,
      (SELECT count(*) FROM event_ledger WHERE run_id = ${run_id} AND event_type NOT IN ('workflow.alert', 'workflow.verified'))::int AS outcomes,
      (SELECT count(*) FROM event_ledger WHERE run_id = ${run_id} AND event_type = 'workflow.verified')::int AS verified`;
    const posted = path.state.context.outcome !== null || ['rejected', 'expired', 'blocked'].includes(String(path.state.value)) ? 1 : 0;
    const verified = events.filter((e) => e.type === 'VERIFY_RESULT').length;
    expect(counts).toEqual({ logs: posted, outcomes: posted, verified });
  });
});
