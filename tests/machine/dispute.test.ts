// The machine alone: pure transitions, the effects it asks for, and its guards.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { disputeMachine } from '../../machines/dispute.ts';
import { statusOf } from '../../machines/status.ts';
import type { DisputeEvent, LoadedContext } from '../../machines/types.ts';
import type { DisputeSnapshot } from '../../machines/dispute.ts';

const input = { run_id: 1, email_uuid: 'e-1', customer_id: null, invoice_ref: null, reason_text: 'wrong price', email: null, invoked_by: 'triage', started_at: '2026-11-20T00:00:00Z' };
const loaded = (over: Partial<LoadedContext> = {}): LoadedContext => ({
  customer: { id: 1001, companyname: 'Acme' }, invoice: { id: 1, tranid: 'INV-1', foreigntotal: 10 }, invoice_matches: 1,
  recent_payments: [], prior_disputes: 0, open_disputes: [], prior_invoices: [], ...over,
});

function run(events: DisputeEvent[]) {
  let [s, actions] = initialTransition(disputeMachine, input);
  const log: { type: string; params: unknown }[][] = [actions.map((a) => ({ type: a.type, params: a.params }))];
  for (const e of events) {
    const [n, acts] = transition(disputeMachine, s, e);
    s = n;
    log.push(acts.map((a) => ({ type: a.type, params: a.params })));
  }
  return { s: s as DisputeSnapshot, log };
}

const toApproval = (l = loaded(), warnings: string[] = []): DisputeEvent[] => [
  { type: 'EXTRACTED', extraction: { invoice_ref: 'INV-1', customer_id: 1001, reason_code: 'PRC', warnings } },
  { type: 'CONTEXT_LOADED', loaded: l },
  { type: 'APPROVAL_STAGED', action_id: 7 },
];
const approve: DisputeEvent = { type: 'APPROVE', action_id: 7, by: 'mike', note: null, at: '2026-11-20T00:10:00Z' };

describe('dispute machine', () => {
  it('starts in trigger asking only for extraction', () => {
    const { s, log } = run([]);
    expect(s.value).toBe('trigger');
    expect(log[0]).toEqual([{ type: 'extractDispute', params: { input } }]);
  });

  it('stages the envelope and the approval window, then waits', () => {
    const { s, log } = run(toApproval());
    expect(s.value).toBe('awaitingApproval');
    expect(statusOf(s.value)).toBe('awaiting_approval');
    expect(log[2]!.map((a) => a.type)).toEqual(['stageApproval', 'setTimer']);
    expect(log[2]![1]!.params).toMatchObject({ name: 'approval_window', delay_ms: 60 * 60_000 });
  });

  it('warns, without blocking, when the cited invoice is not in the mirror', () => {
    const { s } = run(toApproval(loaded({ invoice: null, invoice_matches: 0 })));
    expect(s.value).toBe('awaitingApproval');
    expect(s.context.warnings).toContainEqual({ check: 'invoice_exists', severity: 'warn', message: 'invoice INV-1 was not found in the NetSuite mirror' });
  });

  it('ignores an approval of another envelope and a second approval', () => {
    const { s } = run([...toApproval(), { ...approve, action_id: 8 } as DisputeEvent]);
    expect(s.value).toBe('awaitingApproval');
    const approved = run([...toApproval(), approve]).s;
    const [afterSecond, actions] = transition(disputeMachine, approved, approve);
    // Not taken: the very same snapshot (the runner writes nothing), and no effect asked for.
    expect(afterSecond).toBe(approved);
    expect(actions).toEqual([]);
  });

  it('applies the approver’s corrections: a reason is drafted from directly, an invoice or customer is loaded again', () => {
    const reason = run([...toApproval(), { ...approve, corrections: { reason_code: 'DSC', disputed_amount: 12.5 } } as DisputeEvent]);
    expect(reason.s.value).toMatchObject({ fanOut: expect.anything() });
    expect(reason.s.context.extraction).toMatchObject({ reason_code: 'DSC', disputed_amount: 12.5 });
    expect(reason.s.context.corrections).toEqual([
      { field: 'reason_code', from: 'PRC', to: 'DSC' },
      { field: 'disputed_amount', from: null, to: 12.5 },
    ]);
    expect(reason.log.at(-1)!.find((a) => a.type === 'recordDecision')!.params).toMatchObject({ decision: 'approved', corrections: reason.s.context.corrections });
    const invoice = run([...toApproval(), { ...approve, corrections: { invoice_ref: 'INV-2' } } as DisputeEvent]);
    expect(invoice.s.value).toBe('recontext');
    expect(invoice.log.at(-1)!.find((a) => a.type === 'loadContext')!.params).toEqual({ customer_id: 1001, invoice_ref: 'INV-2' });
    // A correction equal to what the reader found is no correction (no fact recorded), but an invoice the
    // approver names is still loaded again.
    const same = run([...toApproval(), { ...approve, corrections: { invoice_ref: 'INV-1' } } as DisputeEvent]);
    expect(same.s.value).toBe('recontext');
    expect(same.s.context.corrections).toEqual([]);
  });

  it('fans out to all three steps only when prior_disputes >= 2', () => {
    const few = run([...toApproval(loaded({ prior_disputes: 1 })), approve]);
    expect(few.log.at(-1)!.filter((a) => a.type === 'runStep').map((a) => (a.params as { step: string }).step)).toEqual(['draftResponse', 'escalate']);
    expect(few.s.value).toEqual({ fanOut: { draftResponse: 'running', escalate: 'running', arHoldDecision: 'skipped' } });
    const many = run([...toApproval(loaded({ prior_disputes: 2 })), approve]);
    expect(many.log.at(-1)!.filter((a) => a.type === 'runStep')).toHaveLength(3);
  });

  it('retries a failed step after base x attempt ms, then fails it for good with an alert', () => {
    const { s, log } = run([
      ...toApproval(), approve,
      { type: 'STEP_SUCCEEDED', step: 'draftResponse', proposed_action_id: 9 },
      { type: 'STEP_FAILED', step: 'escalate', error: 'boom' },
    ]);
    expect(log.at(-1)).toEqual([{ type: 'setTimer', params: { name: 'retry:escalate', delay_ms: 3000, event: { type: 'RETRY_STEP', step: 'escalate' } } }]);
    const [s2, a2] = transition(disputeMachine, s, { type: 'RETRY_STEP', step: 'escalate' });
    expect(a2.map((a) => a.params)).toEqual([{ step: 'escalate', attempt: 2 }]);
    const [s3, a3] = transition(disputeMachine, s2, { type: 'STEP_FAILED', step: 'escalate', error: 'boom again' });
    expect(a3.map((a) => a.type)).toEqual(['alertStepFailed', 'postRun', 'stageVerify']);
    expect(a3[1]!.params).toEqual({ outcome: 'partial' });
    expect(s3.value).toBe('verifying');
  });

  it('ends failed, without verification, when every step failed', () => {
    const fail = (step: 'draftResponse' | 'escalate', error: string): DisputeEvent => ({ type: 'STEP_FAILED', step, error });
    const { s } = run([
      ...toApproval(), approve,
      fail('draftResponse', 'a'), fail('escalate', 'b'),
      { type: 'RETRY_STEP', step: 'draftResponse' }, fail('draftResponse', 'c'),
      { type: 'RETRY_STEP', step: 'escalate' }, fail('escalate', 'd'),
    ]);
    expect(s.value).toBe('failed');
    expect(s.status).toBe('done');
  });

  it('completes on a passing verification, and is partial otherwise', () => {
    const ok = [...toApproval(), approve, { type: 'STEP_SUCCEEDED', step: 'draftResponse', proposed_action_id: 9 }, { type: 'STEP_SUCCEEDED', step: 'escalate', proposed_action_id: 10 }] as DisputeEvent[];
    expect(run([...ok, { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'pass', detail: null }]).s.value).toBe('completed');
    expect(run([...ok, { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'timeout', detail: 'x' }]).s.value).toBe('partial');
  });

  it('ends rejected or expired from the approval gate, cancelling the window on a decision', () => {
    const rej = run([...toApproval(), { type: 'REJECT', action_id: 7, by: 'mike', reason: 'not a dispute', at: 'x' }]);
    expect(rej.s.value).toBe('rejected');
    expect(rej.log.at(-1)!.map((a) => a.type)).toEqual(['cancelTimer', 'recordDecision', 'postRun']);
    expect(rej.log.at(-1)![2]!.params).toEqual({ outcome: 'rejected' });
    const exp = run([...toApproval(), { type: 'APPROVAL_EXPIRED', at: 'x' }]);
    expect(exp.s.value).toBe('expired');
    expect(exp.log.at(-1)!.map((a) => [a.type, a.params])).toEqual([
      ['recordDecision', { action_id: 7, decision: 'expired', by: 'approval window', note: null }],
      ['postRun', { outcome: 'expired' }],
    ]);
  });

  it('keeps the same snapshot object for an event the state does not take', () => {
    const { s } = run(toApproval());
    const [same] = transition(disputeMachine, s, { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'pass', detail: null });
    expect(same).toBe(s);
  });
});

describe('precondition severity', () => {
  it('ends blocked, staging nothing, when a block-severity check fails', () => {
    let [s] = initialTransition(disputeMachine, { ...input, precondition_severity: { invoice_exists: 'block' } });
    [s] = transition(disputeMachine, s, { type: 'EXTRACTED', extraction: { invoice_ref: 'INV-404', customer_id: 1001, reason_code: 'PRC', warnings: [] } });
    const [end, actions] = transition(disputeMachine, s, { type: 'CONTEXT_LOADED', loaded: loaded({ invoice: null, invoice_matches: 0 }) });
    expect(end.value).toBe('blocked');
    expect(statusOf(end.value)).toBe('blocked');
    expect(actions.map((a) => ({ type: a.type, params: a.params }))).toEqual([{ type: 'postRun', params: { outcome: 'blocked' } }]);
  });
});
