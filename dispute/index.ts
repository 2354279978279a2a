// Public API of the dispute domain: pure functions, no I/O. steps/ runs the database lookups and
// calls these; the machine stores what they return.
export type {
  ContactRow, CustomerRow, DisputeRow, EmailInput, Extraction, Found, InvoiceRow, PaymentRow, ReasonCode, TriageHints,
} from './types.ts';
export { REASON_CODES, isReasonCode } from './types.ts';

export { readEmail, reasonText, type EmailReading, type ReadOptions, type Reference, type SourcedAmount, type SourcedCandidate } from './read/email.ts';
export { splitEmail, type EmailParts, type Sender } from './read/split.ts';

export { REASONS, type Department, type ReasonInfo } from './reason/codes.ts';
export { classifyReason, type ReasonInput, type ReasonResult } from './reason/classify.ts';

export { planLookups, ownDomainsOf, invoiceKey, type LookupPlan, type MirrorRows } from './resolve/plan.ts';
export { resolveExtraction, LOW_CONFIDENCE, type ResolveInput } from './resolve/extraction.ts';
export { prepareExtraction, finishExtraction, type ExtractInput, type PreparedExtraction } from './extract.ts';

export { draftReply, type Reply, type ReplyInput } from './reply/draft.ts';
export { routeEscalation, type Escalation, type EscalationInput } from './escalate.ts';
export { recommendHold, DEFAULT_HOLD_POLICY, type HoldInput, type HoldPolicy, type HoldRecommendation } from './hold.ts';
export { claimedReason, repeatIssue, unsupportedPaidClaims, verdictOf, UNSUPPORTED_PAID_THRESHOLD, type PastDispute, type PaidClaimsFinding, type Verdict } from './history.ts';
export { addBusinessDays, formatLongDate } from './dates.ts';
export { formatMoney } from './money.ts';
