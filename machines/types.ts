// Events, context and effect params of the dispute machine: one definition shared by the machine,
// the runner, the API and the tests. Everything here is JSON.
import type { z } from 'zod';
import type { StepName } from './contract.ts';
import type * as events from './events.ts';

export interface TriageEmail {
  from: string;
  to?: string | undefined;
  subject: string;
  body: string;
  received_at?: string | undefined;
  /** The customer's Message-ID, so the approved reply threads under it (In-Reply-To, References). */
  message_id?: string | undefined;
}

export interface DisputeInput {
  run_id: number;
  email_uuid: string;
  customer_id: number | null;
  invoice_ref: string | null;
  reason_text: string;
  email: TriageEmail | null;
  invoked_by: string;
  started_at: string;
  /** Per-deployment severity overrides of the contract's preconditions (e.g. invoice_exists: block). */
  precondition_severity?: Record<string, 'warn' | 'block'> | undefined;
}

/**
 * What the extraction step found, as far as the machine reads it. The reader (dispute/types.ts: Extraction)
 * defines the full shape once; it fits this one, so the runtime hands it over as it is. A type literal, not
 * an interface, so the machine may treat it as a record when it writes the approver's corrections into it.
 */
export type ExtractionFacts = z.infer<typeof events.ExtractionFacts>;

/**
 * The shapes of what the machine carries but barely reads: the extraction and the mirror rows the context
 * step loaded. Each is defined once, by the reader (dispute/types.ts: Extraction, CustomerRow, InvoiceRow,
 * PaymentRow, DisputeRow); machines/ imports only xstate, so the context is generic over them. These
 * defaults are what the machine itself needs of each. The steps read a run's context with the reader's shapes
 * (`ReaderContext`, steps/effect.ts), which fit these defaults; the engine narrows the machine's context to
 * it in one place (runtime/engine.ts, readerContext), since it stored exactly what the steps returned.
 */
export interface PayloadShapes {
  extraction: ExtractionFacts;
  customer: { id: number };
  invoice: object;
  payment: object;
  dispute: object;
}
/** A mirror row as a query returns it, before anything reads it. */
export type MirrorRow = { [column: string]: unknown };

export interface LoadedContext<S extends PayloadShapes = PayloadShapes> {
  customer: S['customer'] | null;
  invoice: S['invoice'] | null;
  invoice_matches: number;
  recent_payments: S['payment'][];
  prior_disputes: number;
  open_disputes: S['dispute'][];
  prior_invoices: S['invoice'][];
  /** The account's open AR hold request, if an approver asked for one (absent in older snapshots). */
  hold_requested?: { run_id: number; proposed_action_id: number; by: string; at: string } | null | undefined;
  /** Memory: the customer's last finished runs, newest first (absent in snapshots written before it existed). */
  history?: HistoryEntry[] | undefined;
}

/**
 * One earlier finished run of the same customer, compact (no rows, no email): how it was decided, what the
 * approver corrected, how it ended. `reason_code` and `invoice_ref` are as the run ended (corrections
 * applied); the reader's values are the corrections' `from`. `note` is the approver's note or rejection
 * reason, cut to 200 characters; `verify` the worst verify result (null when nothing was staged).
 */
export type HistoryEntry = z.infer<typeof events.HistoryEntry>;

export interface Warning {
  check: string;
  severity: 'warn' | 'block';
  message: string;
}

export type StepStatus = 'pending' | 'running' | 'waiting_retry' | 'succeeded' | 'failed' | 'skipped';
export interface StepState {
  status: StepStatus;
  attempts: number;
  proposed_action_id?: number | undefined;
  errors: string[];
}

export type Outcome = 'completed' | 'partial' | 'failed';
/** How a run ended, as the run log and the ledger record it: the fan-out outcome, or the gate's. */
export type RunEnding = Outcome | 'rejected' | 'expired' | 'blocked';
export type VerifyResult = z.infer<typeof events.VerifyResult>;

export interface Decision {
  action_id: number;
  decision: 'approved' | 'rejected' | 'expired';
  by: string;
  note: string | null;
  at: string;
}

/** What the approver may correct on the HITL envelope; the corrected facts are what the fan-out drafts from. */
export type Corrections = z.output<typeof events.Corrections>;
export type CorrectedField = keyof Corrections;
export const CORRECTABLE_FIELDS: readonly CorrectedField[] = ['reason_code', 'invoice_ref', 'customer_id', 'disputed_amount'];

/** One corrected field: what the reader found and what the approver set. */
export interface Correction {
  field: CorrectedField;
  from: string | number | null;
  to: string | number;
}

export interface DisputeContext<S extends PayloadShapes = PayloadShapes> {
  input: DisputeInput;
  extraction: S['extraction'] | null;
  loaded: LoadedContext<S> | null;
  prior_disputes: number;
  warnings: Warning[];
  envelope_id: number | null;
  decision: Decision | null;
  /** The approver's corrections at the gate (absent in snapshots written before corrections existed). */
  corrections?: Correction[] | undefined;
  steps: Record<StepName, StepState>;
  outcome: Outcome | null;
  verify: { check: string; result: VerifyResult; detail: string | null } | null;
}

/** The machine's events: inferred from their zod schemas (machines/events.ts), the one definition. */
export type DisputeEvent = z.output<typeof events.DisputeEventSchema>;

export type DisputeEventType = DisputeEvent['type'];


/** The effects the machine asks for, each a named action with JSON params; the runner executes them. */
export interface EffectParams {
  extractDispute: { input: DisputeInput };
  loadContext: { customer_id: number | null; invoice_ref: string | null };
  stageApproval: { window_minutes: number };
  setTimer: { name: string; delay_ms: number; event: DisputeEvent };
  cancelTimer: { name: string };
  recordDecision: {
    action_id: number;
    decision: 'approved' | 'rejected' | 'expired';
    by: string;
    note: string | null;
    corrections?: Correction[] | undefined;
    /** The payload's hash as the deciding request read it (APPROVE and REJECT through the API). */
    shown_sha256?: string | undefined;
  };
  runStep: { step: StepName; attempt: number };
  alertStepFailed: { step: StepName; attempts: number; error: string };
  postRun: { outcome: RunEnding };
  stageVerify: { checks: string[] };
}
export type EffectType = keyof EffectParams;
export type Effect = { [K in EffectType]: { type: K; params: EffectParams[K] } }[EffectType];
