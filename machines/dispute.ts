// The customer-invoice-dispute statechart. Pure: every side effect is a named action with JSON params and
// an empty body; the runner (runtime/) executes them from what xstate's transition() returns.
import { and, assign, setup, type SnapshotFrom } from 'xstate';
import { CONTRACT, FAN_OUT_STEPS, holdReviewRule, retryDelayMs, runVerifyChecks, type Contract, type StepName } from './contract.ts';
import {
  CORRECTABLE_FIELDS,
  type Correction, type Corrections, type DisputeContext, type DisputeEvent, type DisputeInput, type EffectParams,
  type ExtractionFacts, type Outcome, type StepState, type Warning,
} from './types.ts';

/** Bump when a stored snapshot of the previous version could no longer be restored as is. */
export const MACHINE_VERSION = 1;

const effect = <K extends keyof EffectParams>(_: unknown, _params: EffectParams[K]) => {};

const freshStep = (): StepState => ({ status: 'pending', attempts: 0, errors: [] });

type StepParams = { step: StepName };
const isStep = (event: DisputeEvent, step: StepName) => 'step' in event && event.step === step;

function preconditionWarnings(contract: Contract, ctx: DisputeContext): Warning[] {
  const invoiceRef = ctx.extraction?.invoice_ref ?? null;
  const loaded = ctx.loaded;
  const out: Warning[] = [];
  for (const p of contract.preconditions) {
    if (p.name === 'invoice_exists' && !(loaded?.invoice != null || invoiceRef == null)) {
      out.push({ check: p.name, severity: ctx.input.precondition_severity?.[p.name] ?? p.severity, message: `invoice ${invoiceRef} was not found in the NetSuite mirror` });
    }
  }
  if (loaded && loaded.invoice_matches > 1) {
    out.push({ check: 'invoice_unique', severity: 'warn', message: `invoice ${invoiceRef} exists under more than one customer; the customer is unknown` });
  }
  if (!loaded?.customer) {
    out.push({ check: 'customer_known', severity: 'warn', message: 'the customer could not be identified' });
  }
  for (const w of ctx.extraction?.warnings ?? []) out.push({ check: 'extraction', severity: 'warn', message: w });
  return out;
}

/** The decision the transition has just assigned, as the recordDecision effect stores it (with the hash the deciding event carried). */
function recordedDecision(ctx: DisputeContext, event: DisputeEvent): EffectParams['recordDecision'] {
  const { action_id, decision, by, note } = ctx.decision!;
  const shown = (event.type === 'APPROVE' || event.type === 'REJECT') && event.shown_sha256 ? { shown_sha256: event.shown_sha256 } : {};
  return ctx.corrections?.length && decision === 'approved'
    ? { action_id, decision, by, note, corrections: ctx.corrections, ...shown }
    : { action_id, decision, by, note, ...shown };
}

/** The fields the approver actually changed, each with the value the reader had found. */
export function correctionsOf(ctx: Pick<DisputeContext, 'extraction' | 'loaded'>, corrections: Corrections | undefined): Correction[] {
  const out: Correction[] = [];
  for (const field of CORRECTABLE_FIELDS) {
    const to = corrections?.[field];
    if (to === undefined) continue;
    // The customer the approver saw may have come from the invoice rather than the email.
    const raw = field === 'customer_id' ? (ctx.extraction?.customer_id ?? ctx.loaded?.customer?.id) : ctx.extraction?.[field];
    const from = typeof raw === 'string' || typeof raw === 'number' ? raw : null;
    if (from !== to) out.push({ field, from, to });
  }
  return out;
}

/** The extraction with the approver's values in place; the reader's stay in `corrections`. */
function corrected(extraction: ExtractionFacts | null, corrections: Correction[]): ExtractionFacts | null {
  if (!extraction || corrections.length === 0) return extraction;
  const next: ExtractionFacts = Object.assign({}, extraction, { confidence: { ...(extraction.confidence as Record<string, number>) } });
  for (const c of corrections) {
    (next as Record<string, unknown>)[c.field] = c.to;
    (next.confidence as Record<string, number>)[c.field] = 1;
  }
  return next;
}

/**
 * An invoice or customer given by the approver is loaded again, even when it is the one the reader found:
 * the fan-out then drafts from the mirror as it is at approval, for the invoice the approver vouched for.
 */
const reloadsContext = (corrections: Corrections | undefined) => corrections?.invoice_ref !== undefined || corrections?.customer_id !== undefined;

function outcomeOf(steps: Record<StepName, StepState>): Outcome {
  const ran = FAN_OUT_STEPS.map((s) => steps[s]).filter((s) => s.status !== 'skipped');
  const ok = ran.filter((s) => s.status === 'succeeded').length;
  if (ok === ran.length) return 'completed';
  return ok === 0 ? 'failed' : 'partial';
}

const setStep = (ctx: DisputeContext, step: StepName, patch: Partial<StepState>) => Object.assign({}, ctx.steps, {
  [step]: Object.assign({}, ctx.steps[step], patch),
});

/**
 * The statechart for a contract: every rule in it (the hold-review threshold, the approval window, the retry
 * policy, the verify checks) is read from `contract`, so a changed copy of the contract changes the machine,
 * and the guard's name (what the drawing shows) is the rule itself in words.
 */
export function createDisputeMachine(contract: Contract = CONTRACT) {
  const policy = contract.retry_policy;
  const runChecks = runVerifyChecks(contract);
  // The guard's name is the rule itself ('prior_disputes >= 2'), so the drawing, the contract page and the
  // Stately inspector show the contract's number. To the type checker it is one fixed key, whatever the number.
  const holdReview = holdReviewRule(contract) as 'prior_disputes >= hold_review_threshold';
  const machineSetup = setup({
    types: {
      context: {} as DisputeContext,
      events: {} as DisputeEvent,
      input: {} as DisputeInput,
    },
    actions: {
      extractDispute: effect<'extractDispute'>,
      loadContext: effect<'loadContext'>,
      stageApproval: effect<'stageApproval'>,
      setTimer: effect<'setTimer'>,
      cancelTimer: effect<'cancelTimer'>,
      recordDecision: effect<'recordDecision'>,
      runStep: effect<'runStep'>,
      alertStepFailed: effect<'alertStepFailed'>,
      postRun: effect<'postRun'>,
      stageVerify: effect<'stageVerify'>,
    },
    guards: {
      [holdReview]: ({ context }) => context.prior_disputes >= contract.hold_review_threshold,
    hasBlockingFailure: ({ context }) => context.warnings.some((w) => w.severity === 'block'),
      isCurrentEnvelope: ({ context, event }) => 'action_id' in event && event.action_id === context.envelope_id,
      correctsInvoiceOrCustomer: ({ event }) => event.type === 'APPROVE' && reloadsContext(event.corrections),
      stepSucceeded: ({ event }, p: StepParams) => event.type === 'STEP_SUCCEEDED' && isStep(event, p.step),
      canRetry: ({ context, event }, p: StepParams) =>
        event.type === 'STEP_FAILED' && isStep(event, p.step) && context.steps[p.step].attempts < policy.max_attempts,
      stepFailedFinally: ({ event }, p: StepParams) => event.type === 'STEP_FAILED' && isStep(event, p.step),
      isRetryOf: ({ event }, p: StepParams) => event.type === 'RETRY_STEP' && isStep(event, p.step),
      allStepsFailed: ({ context }) => context.outcome === 'failed',
      verifiedAndComplete: ({ context, event }) =>
        event.type === 'VERIFY_RESULT' && runChecks.includes(event.check) && event.result === 'pass' && context.outcome === 'completed',
      // Checks staged later (response_sent, when the reply is approved) are recorded and announced, not the run's ending.
      isRunCheck: ({ event }) => event.type === 'VERIFY_RESULT' && runChecks.includes(event.check),
    },
  });

  /** One fan-out region: run the step, retry it by the contract's policy, end succeeded or failed. */
  function stepRegion(step: StepName) {
    const assign = machineSetup.assign;
    return machineSetup.createStateConfig({
      initial: 'running',
      states: {
        running: {
          entry: [
            assign({ steps: ({ context }) => setStep(context, step, { status: 'running', attempts: context.steps[step].attempts + 1 }) }),
            { type: 'runStep', params: ({ context }) => ({ step, attempt: context.steps[step].attempts }) },
          ],
          on: {
            STEP_SUCCEEDED: {
              guard: { type: 'stepSucceeded', params: { step } },
              target: 'succeeded',
              actions: assign({
                steps: ({ context, event }) =>
                  setStep(context, step, { status: 'succeeded', proposed_action_id: event.type === 'STEP_SUCCEEDED' ? event.proposed_action_id : undefined }),
              }),
            },
            STEP_FAILED: [
              {
                guard: { type: 'canRetry', params: { step } },
                target: 'retrying',
                actions: [
                  assign({
                    steps: ({ context, event }) =>
                      setStep(context, step, { status: 'waiting_retry', errors: [...context.steps[step].errors, event.type === 'STEP_FAILED' ? event.error : ''] }),
                  }),
                  {
                    type: 'setTimer',
                    params: ({ context }) => ({
                      name: `retry:${step}`,
                      delay_ms: retryDelayMs(policy, context.steps[step].attempts),
                      event: { type: 'RETRY_STEP', step } as DisputeEvent,
                    }),
                  },
                ],
              },
              {
                guard: { type: 'stepFailedFinally', params: { step } },
                target: 'failed',
                actions: [
                  assign({
                    steps: ({ context, event }) =>
                      setStep(context, step, { status: 'failed', errors: [...context.steps[step].errors, event.type === 'STEP_FAILED' ? event.error : ''] }),
                  }),
                  {
                    type: 'alertStepFailed',
                    params: ({ context }) => ({ step, attempts: context.steps[step].attempts, error: context.steps[step].errors.at(-1) ?? '' }),
                  },
                ],
              },
            ],
          },
        },
        retrying: {
          on: { RETRY_STEP: { guard: { type: 'isRetryOf', params: { step } }, target: 'running' } },
        },
        succeeded: { type: 'final' },
        failed: { type: 'final' },
      },
    });
  }

  /** Approving the envelope: the decision, the approver's corrections applied to the extraction, the window closed. */
  const approveActions = [
    machineSetup.assign(({ context, event }) => {
      if (event.type !== 'APPROVE') return {};
      const corrections = correctionsOf(context, event.corrections);
      return {
        decision: { action_id: event.action_id, decision: 'approved' as const, by: event.by, note: event.note, at: event.at },
        corrections,
        extraction: corrected(context.extraction, corrections),
      };
    }),
    { type: 'cancelTimer' as const, params: { name: 'approval_window' } },
    { type: 'recordDecision' as const, params: ({ context, event }: { context: DisputeContext; event: DisputeEvent }) => recordedDecision(context, event) },
  ];

  return machineSetup.createMachine({
    id: 'customer_invoice_dispute',
    context: ({ input }) => ({
      input,
      extraction: null,
      loaded: null,
      prior_disputes: 0,
      warnings: [],
      envelope_id: null,
      decision: null,
      corrections: [],
      steps: { draftResponse: freshStep(), escalate: freshStep(), arHoldDecision: freshStep() },
      outcome: null,
      verify: null,
    }),
    initial: 'trigger',
    states: {
      trigger: {
        description: 'Read the email: invoice reference, customer, reason.',
        entry: { type: 'extractDispute', params: ({ context }) => ({ input: context.input }) },
        on: { EXTRACTED: { target: 'context', actions: assign({ extraction: ({ event }) => event.extraction }) } },
      },
      context: {
        description: 'Load the invoice, recent payments, prior disputes and prior invoices from the NetSuite mirror.',
        entry: {
          type: 'loadContext',
          params: ({ context }) => ({
            customer_id: context.extraction?.customer_id ?? null,
            invoice_ref: context.extraction?.invoice_ref ?? null,
          }),
        },
        on: {
          CONTEXT_LOADED: {
            target: 'precondition',
            actions: assign({ loaded: ({ event }) => event.loaded, prior_disputes: ({ event }) => event.loaded.prior_disputes }),
          },
        },
      },
      precondition: {
        description: 'Safety checks before anything is staged: block halts the run, warn is shown to the approver.',
        entry: assign({ warnings: ({ context }) => preconditionWarnings(contract, context) }),
        always: [{ guard: 'hasBlockingFailure', target: 'blocked' }, { target: 'awaitingApproval' }],
      },
      awaitingApproval: {
        description: 'The HITL envelope is staged; nothing happens until the approver decides.',
        entry: [
          { type: 'stageApproval', params: { window_minutes: contract.hitl.approval_window_minutes } },
          {
            type: 'setTimer',
            params: { name: 'approval_window', delay_ms: contract.hitl.approval_window_minutes * 60_000, event: { type: 'APPROVAL_EXPIRED', at: '' } },
          },
        ],
        on: {
          APPROVAL_STAGED: { actions: assign({ envelope_id: ({ event }) => event.action_id }) },
          APPROVE: [
            { guard: and(['isCurrentEnvelope', 'correctsInvoiceOrCustomer']), target: 'recontext', actions: approveActions },
            { guard: 'isCurrentEnvelope', target: 'fanOut', actions: approveActions },
          ],
          REJECT: {
            guard: 'isCurrentEnvelope',
            target: 'rejected',
            actions: [
              assign({ decision: ({ event }) => ({ action_id: event.action_id, decision: 'rejected' as const, by: event.by, note: event.reason, at: event.at }) }),
              { type: 'cancelTimer', params: { name: 'approval_window' } },
              { type: 'recordDecision', params: ({ context, event }) => recordedDecision(context, event) },
            ],
          },
          APPROVAL_EXPIRED: {
            target: 'expired',
            actions: [
              assign({ decision: ({ context, event }) => ({ action_id: context.envelope_id ?? 0, decision: 'expired' as const, by: 'approval window', note: null, at: event.at }) }),
              { type: 'recordDecision', params: ({ context, event }) => recordedDecision(context, event) },
            ],
          },
        },
      },
      recontext: {
        description: 'The approver corrected the invoice or the customer: load the context again, so the fan-out drafts from the corrected facts.',
        entry: {
          type: 'loadContext',
          params: ({ context }) => ({
            customer_id: (context.extraction?.customer_id as number | null | undefined) ?? null,
            invoice_ref: context.extraction?.invoice_ref ?? null,
          }),
        },
        on: {
          CONTEXT_LOADED: {
            target: 'fanOut',
            actions: [
              assign({ loaded: ({ event }) => event.loaded, prior_disputes: ({ event }) => event.loaded.prior_disputes }),
              // What the reply and the escalation show as "check first" follows the corrected facts.
              assign({ warnings: ({ context }) => preconditionWarnings(contract, context) }),
            ],
          },
        },
      },
      fanOut: {
        description: 'After approval: draft the reply, escalate to the sales rep, and stage the AR hold review when warranted.',
        type: 'parallel',
        states: {
          draftResponse: stepRegion('draftResponse'),
          escalate: stepRegion('escalate'),
          arHoldDecision: {
            initial: 'check',
            states: {
              check: {
                always: [
                  { guard: holdReview, target: 'running' },
                  { target: 'skipped', actions: assign({ steps: ({ context }) => setStep(context, 'arHoldDecision', { status: 'skipped' }) }) },
                ],
              },
              ...stepRegion('arHoldDecision').states,
              skipped: { type: 'final' },
            },
          },
        },
        onDone: { target: 'post' },
      },
      post: {
        description: 'Log the run, write the reflexion entry, record the ledger event exactly once.',
        entry: [
          assign({ outcome: ({ context }) => outcomeOf(context.steps) }),
          { type: 'postRun', params: ({ context }) => ({ outcome: context.outcome! }) },
        ],
        always: [{ guard: 'allStepsFailed', target: 'failed' }, { target: 'verifying' }],
      },
      verifying: {
        description: 'The verify checks are staged; the scheduler runs them after their window.',
        entry: { type: 'stageVerify', params: { checks: [...runChecks] } },
        on: {
          VERIFY_RESULT: [
            {
              guard: 'verifiedAndComplete',
              target: 'completed',
              actions: assign({ verify: ({ event }) => ({ check: event.check, result: event.result, detail: event.detail }) }),
            },
            { guard: 'isRunCheck', target: 'partial', actions: assign({ verify: ({ event }) => ({ check: event.check, result: event.result, detail: event.detail }) }) },
          ],
        },
      },
      completed: { type: 'final' },
      partial: { type: 'final' },
      failed: { type: 'final' },
      // Runs that never fan out are logged too (the contract's log_run always runs): the gate's ending.
      rejected: { type: 'final', entry: { type: 'postRun', params: { outcome: 'rejected' } } },
      expired: { type: 'final', entry: { type: 'postRun', params: { outcome: 'expired' } } },
      blocked: { type: 'final', entry: { type: 'postRun', params: { outcome: 'blocked' } } },
    },
  });
}

export const disputeMachine = createDisputeMachine(CONTRACT);
export type DisputeMachine = typeof disputeMachine;
export type DisputeSnapshot = SnapshotFrom<DisputeMachine>;
