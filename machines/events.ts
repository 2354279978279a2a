// Every event of the dispute machine as a zod schema: the one definition behind the machine's event types
// (machines/types.ts infers DisputeEvent from it), the API's bodies that become events (the approver's note,
// reason and corrections: server/schemas.ts builds on these fields) and the tests (which check that every
// event they drive is one of these).
import { z } from 'zod';
import { FAN_OUT_STEPS } from './contract.ts';
import { text } from './text.ts';

/** A mirror row as the context step loaded it: the reader (dispute/types.ts) defines its columns. */
const Row = z.custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a row');
const Step = z.enum(FAN_OUT_STEPS);
const Id = z.number().int().positive();

/** What the extraction step found (dispute/ defines the full shape; the machine needs these fields). */
export const ExtractionFacts = z.object({
  invoice_ref: z.string().nullable(),
  customer_id: z.number().nullable(),
  reason_code: z.string(),
  warnings: z.array(z.string()),
  disputed_amount: z.number().nullable().optional(),
  confidence: z.record(z.string(), z.number()).optional(),
});

/** One earlier finished run of the same customer, as the context step read it back (persistence/history.ts). */
export const HistoryEntry = z.object({
  run_id: Id,
  at: z.string(),
  invoice_ref: z.string().nullable(),
  reason_code: z.string().nullable(),
  decision: z.enum(['approved', 'rejected', 'expired']).nullable(),
  decided_by: z.string().nullable(),
  note: z.string().nullable(),
  corrections: z.array(z.object({ field: z.string(), from: z.union([z.string(), z.number(), z.null()]), to: z.union([z.string(), z.number(), z.null()]) })),
  outcome: z.string(),
  status: z.string(),
  verify: z.enum(['pending', 'pass', 'fail', 'timeout']).nullable(),
});

export const LoadedContext = z.object({
  customer: z.object({ id: z.number() }).nullable(),
  invoice: Row.nullable(),
  invoice_matches: z.number().int(),
  recent_payments: z.array(Row),
  prior_disputes: z.number().int(),
  open_disputes: z.array(Row),
  prior_invoices: z.array(Row),
  /** The account's open AR hold request, if an approver asked for one (absent in older snapshots). */
  hold_requested: z.object({ run_id: z.number(), proposed_action_id: z.number(), by: z.string(), at: z.string() }).nullable().optional(),
  /** The customer's last finished runs, newest first (memory; absent in older snapshots). */
  history: z.array(HistoryEntry).optional(),
});

/** What the approver may correct on the HITL envelope; checked against the mirror before anything is written. */
export const Corrections = z
  .strictObject({
    reason_code: text(8).trim().toUpperCase().regex(/^[A-Z]{2,4}$/, 'must be a reason code such as PRC').optional(),
    invoice_ref: text(64).trim().min(1, 'must not be empty').optional(),
    customer_id: z.number({ error: 'must be an integer' }).int('must be an integer').positive('must be a positive id').max(Number.MAX_SAFE_INTEGER).optional(),
    disputed_amount: z.number({ error: 'must be a number' }).finite().nonnegative('must not be negative').max(1e12, 'is too large').optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'must name at least one field');

/** The approver's note on an approval, and the reason for a rejection: what they typed, as the event carries it. */
export const Note = text(2000).trim();
export const Reason = text(2000).trim().min(1, 'must not be empty');

export const VerifyResult = z.enum(['pass', 'fail', 'timeout']);

/** A SHA-256 in hex, as an ETag of a proposal's payload (persistence/proposals.ts, payloadEtag). */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const EVENT_SCHEMAS = {
  EXTRACTED: z.object({ type: z.literal('EXTRACTED'), extraction: ExtractionFacts }),
  CONTEXT_LOADED: z.object({ type: z.literal('CONTEXT_LOADED'), loaded: LoadedContext }),
  APPROVAL_STAGED: z.object({ type: z.literal('APPROVAL_STAGED'), action_id: Id }),
  // `shown_sha256`: the envelope's ETag as the deciding request read it (its payload's hash, what the approver
  // was shown), when the decision comes through the API; the decision's row records it.
  APPROVE: z.object({ type: z.literal('APPROVE'), action_id: Id, by: z.string(), note: Note.nullable(), at: z.string(), corrections: Corrections.optional(), shown_sha256: Sha256.optional() }),
  REJECT: z.object({ type: z.literal('REJECT'), action_id: Id, by: z.string(), reason: Reason, at: z.string(), shown_sha256: Sha256.optional() }),
  // `at` is '' in the timer row and set to the firing time when the timer fires.
  APPROVAL_EXPIRED: z.object({ type: z.literal('APPROVAL_EXPIRED'), at: z.string() }),
  STEP_SUCCEEDED: z.object({ type: z.literal('STEP_SUCCEEDED'), step: Step, proposed_action_id: Id }),
  STEP_FAILED: z.object({ type: z.literal('STEP_FAILED'), step: Step, error: z.string() }),
  RETRY_STEP: z.object({ type: z.literal('RETRY_STEP'), step: Step }),
  VERIFY_RESULT: z.object({ type: z.literal('VERIFY_RESULT'), check: z.string(), result: VerifyResult, detail: z.string().nullable() }),
} as const;

const E = EVENT_SCHEMAS;
export const DisputeEventSchema = z.discriminatedUnion('type', [
  E.EXTRACTED, E.CONTEXT_LOADED, E.APPROVAL_STAGED, E.APPROVE, E.REJECT, E.APPROVAL_EXPIRED, E.STEP_SUCCEEDED, E.STEP_FAILED, E.RETRY_STEP, E.VERIFY_RESULT,
]);
