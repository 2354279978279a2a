// The pure halves of the extraction step: prepare (read the email, classify the reason, plan the
// lookups) and finish (resolve against the rows found). steps/extract.ts runs the lookups in between.
import { SECOND_OPINION_CONFIDENCE } from './confidence.ts';
import { readEmail, reasonText, type EmailReading } from './read/email.ts';
import { classifyReason, type ReasonInput, type ReasonResult } from './reason/classify.ts';
import { resolveExtraction } from './resolve/extraction.ts';
import { ownDomainsOf, planLookups, type LookupPlan, type MirrorRows } from './resolve/plan.ts';
import type { EmailInput, Extraction, TriageHints } from './types.ts';

export interface ExtractInput {
  email?: EmailInput | null;
  customer_id?: number | null;
  invoice_ref?: string | null;
  /** The triage classifier's summary; read as the email body when there is no email. */
  reason_text: string;
}

export interface PreparedExtraction {
  reading: EmailReading;
  reason: ReasonResult;
  plan: LookupPlan;
  hints: TriageHints;
}

export function prepareExtraction(input: ExtractInput): PreparedExtraction {
  const email = input.email ?? { from: '', subject: '', body: input.reason_text ?? '' };
  const reading = readEmail(email);
  const hints = { customer_id: input.customer_id ?? null, invoice_ref: input.invoice_ref ?? null };
  const plan = planLookups(reading, hints, ownDomainsOf(email.to));
  let reason = classifyReason(reasonInputOf(reading));
  // The triage summary is a second opinion, used only when the email itself says nothing clear; its
  // confidence stays below the warning threshold, so the approver is told the reason was not in the email.
  if (reason.code === 'OTH' && input.email && input.reason_text?.trim()) {
    const fromSummary = classifyReason({ subject: '', body: input.reason_text });
    if (fromSummary.code !== 'OTH') {
      reason = Object.assign({}, fromSummary, { confidence: Math.min(fromSummary.confidence, SECOND_OPINION_CONFIDENCE), evidence: `triage summary: ${fromSummary.evidence}` });
    }
  }
  return { reading, reason, plan, hints };
}

/** What the reason reader reads of an email: the same for reading a run and for training the model. */
export function reasonInputOf(reading: EmailReading): ReasonInput {
  const hints = {
    payment_refs: reading.payment_refs.length,
    credit_memos: reading.credit_memos.length,
    distinct_invoices: new Set(reading.invoices.filter((c) => c.source !== 'history').map((c) => c.key)).size,
  };
  return Object.assign({}, reasonText(reading.parts), { hints });
}

export function finishExtraction(prepared: PreparedExtraction, rows: MirrorRows): Extraction {
  return resolveExtraction(Object.assign({}, prepared, { rows }));
}
