// The machine alone: pure transitions, the effects it asks for, and its guards.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { CONTRACT, holdReviewRule, retryDelayMs } from '../../machines/contract.ts';
import { disputeMachine } from '../../machines/dispute.ts';
import { isTerminal, statusOf } from '../../machines/status.ts';
import type { DisputeEvent, LoadedContext } from '../../machines/types.ts';
import type { DisputeSnapshot } from '../../machines/dispute.ts';

const input = { run_id: 1, email_uuid: 'e-1', customer_id: null, invoice_ref: null, reason_text: 'wrong price', email: null, invoked_by: 'triage', started_at: '2026-11-20T00:00:00Z' };
/** A mirror row carries more than the machine reads (its context type names only `id`). */
const acme = { id: 1001, companyname: 'Acme' };
const loaded = (over: Partial<LoadedContext> = {}): LoadedContext => ({
  customer: acme, invoice: { id: 1, tranid: 'INV-1', foreigntotal: 10 }, invoice_matches: 1,
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
/** The contract's numbers, read rather than repeated. */
const WINDOW_MS = CONTRACT.hitl.approval_window_minutes * 60_000;
const HOLD = CONTRACT.hold_review_threshold;
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
    expect(log[2]![1]!.params).toMatchObject({ name: 'approval_window', delay_ms: WINDOW_MS });
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
    expect(reason.s.value).toEqual({ fanOut: { draftResponse: 'running', escalate: 'running', arHoldDecision: 'skipped' } });
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

  it(`fans out to all three steps only when ${holdReviewRule(CONTRACT)}`, () => {
    const few = run([...toApproval(loaded({ prior_disputes: HOLD - 1 })), approve]);
    expect(few.log.at(-1)!.filter((a) => a.type === 'runStep').map((a) => (a.params as { step: string }).step)).toEqual(['draftResponse', 'escalate']);
    expect(few.s.value).toEqual({ fanOut: { draftResponse: 'running', escalate: 'running', arHoldDecision: 'skipped' } });
    const many = run([...toApproval(loaded({ prior_disputes: HOLD })), approve]);
    expect(many.log.at(-1)!.filter((a) => a.type === 'runStep')).toHaveLength(3);
  });

  it('retries a failed step after base x attempt ms, then fails it for good with an alert', () => {
    const { s, log } = run([
      ...toApproval(), approve,
      { type: 'STEP_SUCCEEDED', step: 'draftResponse', proposed_action_id: 9 },
      { type: 'STEP_FAILED', step: 'escalate', error: 'boom' },
    ]);
    expect(log.at(-1)).toEqual([{ type: 'setTimer', params: { name: 'retry:escalate', delay_ms: retryDelayMs(CONTRACT.retry_policy, 1), event: { type: 'RETRY_STEP', step: 'escalate' } } }]);
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

const effectsOf = (acts: { type: string; params: unknown }[]) => acts.map((a) => [a.type, a.params]);

describe('context and precondition warnings', () => {
  it('starts with an empty context: fresh steps, no warnings, no corrections, no decision', () => {
    const { s } = run([]);
    expect(s.context).toMatchObject({
      extraction: null, loaded: null, prior_disputes: 0, warnings: [], envelope_id: null, decision: null, corrections: [], outcome: null, verify: null,
      steps: { draftResponse: { status: 'pending', attempts: 0, errors: [] }, escalate: { status: 'pending', attempts: 0, errors: [] }, arHoldDecision: { status: 'pending', attempts: 0, errors: [] } },
    });
  });

  it('loads the context for the extracted invoice and customer, and warns of nothing when both are found', () => {
    const { s, log } = run(toApproval());
    expect(log[1]).toEqual([{ type: 'loadContext', params: { customer_id: 1001, invoice_ref: 'INV-1' } }]);
    expect(s.context.warnings).toEqual([]);
    expect(s.context.prior_disputes).toBe(0);
    expect(s.context.envelope_id).toBe(7);
  });

  it('takes a dispute with no invoice reference and no customer: loads by nothing, warns only that the customer is unknown', () => {
    const { s, log } = run([
      { type: 'EXTRACTED', extraction: { invoice_ref: null, customer_id: null, reason_code: 'OTH', warnings: [] } },
      { type: 'CONTEXT_LOADED', loaded: loaded({ customer: null, invoice: null, invoice_matches: 0 }) },
    ]);
    expect(log[1]).toEqual([{ type: 'loadContext', params: { customer_id: null, invoice_ref: null } }]);
    expect(s.value).toBe('awaitingApproval');
    expect(s.context.warnings).toEqual([{ check: 'customer_known', severity: 'warn', message: 'the customer could not be identified' }]);
  });

  it('warns when the invoice number exists under more than one customer, not when it is unique', () => {
    const twice = run(toApproval(loaded({ customer: null, invoice_matches: 2 })));
    expect(twice.s.context.warnings).toEqual([
      { check: 'invoice_unique', severity: 'warn', message: 'invoice INV-1 exists under more than one customer; the customer is unknown' },
      { check: 'customer_known', severity: 'warn', message: 'the customer could not be identified' },
    ]);
    expect(run(toApproval(loaded({ invoice_matches: 1 }))).s.context.warnings).toEqual([]);
  });

  it('passes the reader\'s warnings on to the approver', () => {
    const { s } = run(toApproval(loaded(), ['two invoice numbers in the email']));
    expect(s.context.warnings).toEqual([{ check: 'extraction', severity: 'warn', message: 'two invoice numbers in the email' }]);
  });

  it('stages the envelope with the contract\'s window and a timer that expires it', () => {
    const { log } = run(toApproval());
    expect(effectsOf(log[2]!)).toEqual([
      ['stageApproval', { window_minutes: CONTRACT.hitl.approval_window_minutes }],
      ['setTimer', { name: 'approval_window', delay_ms: WINDOW_MS, event: { type: 'APPROVAL_EXPIRED', at: '' } }],
    ]);
  });
});

describe('the approval gate', () => {
  it('records an approval without corrections, and cancels the window', () => {
    const { s, log } = run([...toApproval(), { ...approve, note: 'ok' } as DisputeEvent]);
    expect(effectsOf(log.at(-1)!.slice(0, 2))).toEqual([
      ['cancelTimer', { name: 'approval_window' }],
      ['recordDecision', { action_id: 7, decision: 'approved', by: 'mike', note: 'ok' }],
    ]);
    expect(s.context.decision).toEqual({ action_id: 7, decision: 'approved', by: 'mike', note: 'ok', at: '2026-11-20T00:10:00Z' });
    expect(s.context.corrections).toEqual([]);
  });

  it('ignores a REJECT of a stale envelope; records the current one with the reason as note', () => {
    const stale = run([...toApproval(), { type: 'REJECT', action_id: 6, by: 'mike', reason: 'no', at: 'x' }]);
    expect(stale.s.value).toBe('awaitingApproval');
    expect(stale.log.at(-1)).toEqual([]);
    const rej = run([...toApproval(), { type: 'REJECT', action_id: 7, by: 'mike', reason: 'not a dispute', at: 'x' }]);
    expect(rej.log.at(-1)![1]!.params).toEqual({ action_id: 7, decision: 'rejected', by: 'mike', note: 'not a dispute' });
    expect(rej.s.context.decision).toEqual({ action_id: 7, decision: 'rejected', by: 'mike', note: 'not a dispute', at: 'x' });
  });

  it('expires with action id 0 when no envelope was staged', () => {
    const { s } = run([...toApproval().slice(0, 2), { type: 'APPROVAL_EXPIRED', at: 'x' }]);
    expect(s.value).toBe('expired');
    expect(s.context.decision).toEqual({ action_id: 0, decision: 'expired', by: 'approval window', note: null, at: 'x' });
  });

  it('applies a reason-code correction to the extraction and records it, going straight to the fan-out', () => {
    const { s, log } = run([...toApproval(), { ...approve, corrections: { reason_code: 'DMG' } } as DisputeEvent]);
    expect(s.value).toEqual({ fanOut: { draftResponse: 'running', escalate: 'running', arHoldDecision: 'skipped' } });
    expect(s.context.corrections).toEqual([{ field: 'reason_code', from: 'PRC', to: 'DMG' }]);
    expect(s.context.extraction).toMatchObject({ reason_code: 'DMG', invoice_ref: 'INV-1', confidence: { reason_code: 1 } });
    expect(log.at(-1)![1]).toEqual({
      type: 'recordDecision',
      params: { action_id: 7, decision: 'approved', by: 'mike', note: null, corrections: [{ field: 'reason_code', from: 'PRC', to: 'DMG' }] },
    });
  });

  it('keeps the reader\'s other confidences when a field is corrected', () => {
    const events = toApproval();
    events[0] = { type: 'EXTRACTED', extraction: { invoice_ref: 'INV-1', customer_id: 1001, reason_code: 'PRC', warnings: [], confidence: { reason_code: 0.4, invoice_ref: 0.9 } } };
    const { s } = run([...events, { ...approve, corrections: { disputed_amount: 12.5 } } as DisputeEvent]);
    expect(s.context.extraction).toMatchObject({ disputed_amount: 12.5, confidence: { reason_code: 0.4, invoice_ref: 0.9, disputed_amount: 1 } });
    expect(s.context.corrections).toEqual([{ field: 'disputed_amount', from: null, to: 12.5 }]);
  });

  it('drops a "correction" that repeats what the reader found, and records no corrections', () => {
    const { s, log } = run([...toApproval(), { ...approve, corrections: { reason_code: 'PRC' } } as DisputeEvent]);
    expect(s.context.corrections).toEqual([]);
    expect(s.context.extraction).toMatchObject({ reason_code: 'PRC' });
    expect(s.context.extraction).not.toHaveProperty('confidence');
    expect(log.at(-1)![1]!.params).toEqual({ action_id: 7, decision: 'approved', by: 'mike', note: null });
  });

  it('reloads the context for a corrected invoice, recomputes the warnings, then fans out', () => {
    const { s, log } = run([...toApproval(), { ...approve, corrections: { invoice_ref: 'INV-2' } } as DisputeEvent]);
    expect(s.value).toBe('recontext');
    expect(s.context.corrections).toEqual([{ field: 'invoice_ref', from: 'INV-1', to: 'INV-2' }]);
    expect(log.at(-1)!.at(-1)).toEqual({ type: 'loadContext', params: { customer_id: 1001, invoice_ref: 'INV-2' } });
    // Events of the gate are no longer taken while the context reloads.
    expect(transition(disputeMachine, s, approve)[0]).toBe(s);
    const [next, acts] = transition(disputeMachine, s, { type: 'CONTEXT_LOADED', loaded: loaded({ invoice: null, invoice_matches: 0, prior_disputes: HOLD + 1 }) });
    expect(next.value).toMatchObject({ fanOut: { arHoldDecision: 'running' } });
    expect(next.context.prior_disputes).toBe(HOLD + 1);
    expect(next.context.loaded?.prior_disputes).toBe(HOLD + 1);
    expect(next.context.warnings).toEqual([{ check: 'invoice_exists', severity: 'warn', message: 'invoice INV-2 was not found in the NetSuite mirror' }]);
    expect(acts.filter((a) => a.type === 'runStep')).toHaveLength(3);
  });

  it('reloads for a corrected customer; the customer shown may have come from the invoice', () => {
    const events = toApproval();
    events[0] = { type: 'EXTRACTED', extraction: { invoice_ref: 'INV-1', customer_id: null, reason_code: 'PRC', warnings: [] } };
    const { s, log } = run([...events, { ...approve, corrections: { customer_id: 1002 } } as DisputeEvent]);
    expect(s.value).toBe('recontext');
    expect(s.context.corrections).toEqual([{ field: 'customer_id', from: 1001, to: 1002 }]);
    expect(log.at(-1)!.at(-1)).toEqual({ type: 'loadContext', params: { customer_id: 1002, invoice_ref: 'INV-1' } });
    // Confirming the customer the invoice named is no correction, but still reloads.
    const same = run([...events, { ...approve, corrections: { customer_id: 1001 } } as DisputeEvent]);
    expect(same.s.value).toBe('recontext');
    expect(same.s.context.corrections).toEqual([]);
  });
});

describe('the fan-out', () => {
  const fanned = () => run([...toApproval(loaded({ prior_disputes: HOLD })), approve]);

  it('marks each step running with its first attempt', () => {
    const { s, log } = fanned();
    expect(log.at(-1)!.filter((a) => a.type === 'runStep').map((a) => a.params)).toEqual([
      { step: 'draftResponse', attempt: 1 }, { step: 'escalate', attempt: 1 }, { step: 'arHoldDecision', attempt: 1 },
    ]);
    expect(s.context.steps.escalate).toEqual({ status: 'running', attempts: 1, errors: [] });
  });

  it('takes a step\'s result only for that step, and records the proposal it made', () => {
    const { s } = fanned();
    const [ok] = transition(disputeMachine, s, { type: 'STEP_SUCCEEDED', step: 'escalate', proposed_action_id: 11 });
    expect(ok.value).toMatchObject({ fanOut: { draftResponse: 'running', escalate: 'succeeded', arHoldDecision: 'running' } });
    expect(ok.context.steps.escalate).toEqual({ status: 'succeeded', attempts: 1, errors: [], proposed_action_id: 11 });
    expect(ok.context.steps.draftResponse.status).toBe('running');
    const [failed] = transition(disputeMachine, s, { type: 'STEP_FAILED', step: 'arHoldDecision', error: 'x' });
    expect(failed.value).toMatchObject({ fanOut: { draftResponse: 'running', escalate: 'running', arHoldDecision: 'retrying' } });
    expect(failed.context.steps.arHoldDecision).toEqual({ status: 'waiting_retry', attempts: 1, errors: ['x'] });
    const [retried] = transition(disputeMachine, failed, { type: 'RETRY_STEP', step: 'escalate' });
    expect(retried).toBe(failed);
  });

  it('records each failure and alerts with the last error after the final attempt', () => {
    const { s } = fanned();
    const events: DisputeEvent[] = [
      { type: 'STEP_FAILED', step: 'arHoldDecision', error: 'first' },
      { type: 'RETRY_STEP', step: 'arHoldDecision' },
      { type: 'STEP_FAILED', step: 'arHoldDecision', error: 'second' },
    ];
    let snap = s;
    let last: { type: string; params: unknown }[] = [];
    for (const e of events) {
      const [n, a] = transition(disputeMachine, snap, e);
      snap = n;
      last = a.map((x) => ({ type: x.type, params: x.params }));
    }
    expect(snap.context.steps.arHoldDecision).toEqual({ status: 'failed', attempts: 2, errors: ['first', 'second'] });
    expect(last).toEqual([{ type: 'alertStepFailed', params: { step: 'arHoldDecision', attempts: 2, error: 'second' } }]);
    expect(snap.value).toMatchObject({ fanOut: { arHoldDecision: 'failed' } });
  });

  it('stages the run\'s verify checks after the fan-out, keeps the verify result, and ignores checks of later stages', () => {
    const ok = run([...toApproval(), approve,
      { type: 'STEP_SUCCEEDED', step: 'draftResponse', proposed_action_id: 9 },
      { type: 'STEP_SUCCEEDED', step: 'escalate', proposed_action_id: 10 }]);
    expect(effectsOf(ok.log.at(-1)!)).toEqual([['postRun', { outcome: 'completed' }], ['stageVerify', { checks: ['response_drafted'] }]]);
    expect(ok.s.context.outcome).toBe('completed');
    const [later] = transition(disputeMachine, ok.s, { type: 'VERIFY_RESULT', check: 'response_sent', result: 'pass', detail: null });
    expect(later).toBe(ok.s);
    const [done] = transition(disputeMachine, ok.s, { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'pass', detail: 'found' });
    expect(done.context.verify).toEqual({ check: 'response_drafted', result: 'pass', detail: 'found' });
    const [part] = transition(disputeMachine, ok.s, { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'fail', detail: 'gone' });
    expect(part.value).toBe('partial');
    expect(part.context.verify).toEqual({ check: 'response_drafted', result: 'fail', detail: 'gone' });
  });

  it('ends partial, not completed, when the check passes after a partial fan-out', () => {
    const { s } = run([...toApproval(), approve,
      { type: 'STEP_SUCCEEDED', step: 'draftResponse', proposed_action_id: 9 },
      { type: 'STEP_FAILED', step: 'escalate', error: 'a' }, { type: 'RETRY_STEP', step: 'escalate' }, { type: 'STEP_FAILED', step: 'escalate', error: 'b' },
      { type: 'VERIFY_RESULT', check: 'response_drafted', result: 'pass', detail: null }]);
    expect(s.value).toBe('partial');
  });
});

describe('statusOf', () => {
  it('maps every state value to the status the API shows', () => {
    for (const end of ['completed', 'partial', 'failed', 'rejected', 'expired', 'blocked']) expect(statusOf(end)).toBe(end);
    expect(statusOf('awaitingApproval')).toBe('awaiting_approval');
    expect(statusOf('verifying')).toBe('verifying');
    expect(statusOf('trigger')).toBe('running');
    expect(statusOf('recontext')).toBe('running');
    expect(statusOf({ fanOut: { draftResponse: 'running' } })).toBe('running');
  });

  it('calls only the ends terminal', () => {
    expect(isTerminal('completed')).toBe(true);
    expect(isTerminal('blocked')).toBe(true);
    expect(isTerminal('verifying')).toBe(false);
    expect(isTerminal('awaiting_approval')).toBe(false);
  });
});
