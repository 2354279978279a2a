// Turns a reading, its reason and the mirror rows into the Extraction the workflow stores. The triage
// event's customer_id and invoice_ref win over the email; a disagreement and every low-confidence field
// become warnings the approver sees, never silent choices.
import type { EmailReading } from '../read/email.ts';
import type { ReasonResult } from '../reason/classify.ts';
import { LOW_CONFIDENCE } from '../confidence.ts';
import type { Extraction, InvoiceRow, TriageHints } from '../types.ts';
import { pickDisputedAmount } from './amount.ts';
import { resolveCustomer } from './customer.ts';
import { resolveInvoice } from './invoice.ts';
import { invoiceKey, type LookupPlan, type MirrorRows } from './plan.ts';

export interface ResolveInput {
  reading: EmailReading;
  reason: ReasonResult;
  rows: MirrorRows;
  plan: LookupPlan;
  hints?: TriageHints;
}

// The threshold lives in confidence.ts, beside the caps that must stay below it.
export { LOW_CONFIDENCE };

export function resolveExtraction({ reading, reason, rows, plan, hints = {} }: ResolveInput): Extraction {
  const warnings: string[] = [];
  const confidence: Record<string, number> = {};
  const evidence: Record<string, string> = {};
  const note = (field: string, c: number, e: string) => {
    confidence[field] = Math.round(c * 100) / 100;
    evidence[field] = e;
  };

  const fromEmail = resolveCustomer(reading, rows, plan);
  warnings.push(...fromEmail.warnings);
  let customerId = fromEmail.value;
  note('customer_id', fromEmail.confidence, fromEmail.evidence);
  if (hints.customer_id != null) {
    if (fromEmail.value !== null && fromEmail.value !== hints.customer_id) {
      warnings.push(`triage event says customer ${hints.customer_id} but the email points to customer ${fromEmail.value} (${fromEmail.evidence}); kept the event's`);
    }
    customerId = hints.customer_id;
    note('customer_id', 1, 'given by the triage event');
  }

  const inv = resolveInvoice(reading, customerId, rows, reason.code, reason.evidence);
  warnings.push(...inv.warnings);
  let invoiceRef = inv.value;
  let invoiceExists = inv.exists;
  let invoiceRow: InvoiceRow | null = inv.row;
  note('invoice_ref', inv.confidence, inv.evidence);
  if (hints.invoice_ref) {
    const given = fromHint(hints.invoice_ref, customerId, rows);
    if (inv.value !== null && inv.value !== given.ref) {
      warnings.push(`triage event says invoice ${hints.invoice_ref} but the email cites ${inv.value}; kept the event's`);
    }
    if (!given.row) warnings.push(`invoice ${given.ref} from the triage event was not found in the mirror${customerId !== null ? ` for customer ${customerId}` : ''}`);
    invoiceRef = given.ref;
    invoiceExists = given.row !== null;
    invoiceRow = given.row;
    note('invoice_ref', 1, 'given by the triage event');
  }

  note('reason_code', reason.confidence, reason.evidence);
  // OTH is a reading too (the model can be sure an email names none of the 15 reasons), but the approver
  // must then say what the dispute is about: always a warning, whatever the confidence.
  if (reason.code === 'OTH') warnings.push('no dispute reason recognized in the email (OTH): choose one if the customer gave it');
  const amount = pickDisputedAmount(reading.amounts, reason.code, invoiceRow);
  note('disputed_amount', amount.confidence, amount.evidence);
  const po = pickPo(reading, invoiceRow, reason.code, rows);
  note('po_number', po.confidence, po.evidence);
  const paymentRefs = reading.payment_refs.map((p) => p.value);
  if (paymentRefs.length) note('payment_refs', 0.9, reading.payment_refs.map((p) => p.evidence).join(' | '));

  for (const [field, c] of Object.entries(confidence)) {
    // A field nobody could fill already carries its own warning.
    if (field === 'customer_id' && customerId === null) continue;
    if (c < LOW_CONFIDENCE) warnings.push(`low confidence in ${field} (${c.toFixed(2)})${evidence[field] ? `: ${evidence[field]}` : ''}`);
  }
  return {
    invoice_ref: invoiceRef,
    invoice_exists: invoiceExists,
    customer_id: customerId,
    reason_code: reason.code,
    secondary_reasons: reason.secondary,
    reason_candidates: reason.candidates,
    reason_model: reason.model,
    disputed_amount: amount.value,
    po_number: po.value,
    payment_refs: paymentRefs,
    confidence,
    evidence,
    warnings: [...new Set(warnings)],
  };
}

/** The event's invoice_ref, spelled as the mirror spells it when the customer has that invoice. */
function fromHint(ref: string, customerId: number | null, rows: MirrorRows): { ref: string; row: InvoiceRow | null } {
  const key = invoiceKey(ref);
  const exact = ref.trim().toUpperCase();
  const matches = rows.invoices.filter((r) => invoiceKey(r.tranid) === key && (customerId === null || r.entity === customerId));
  const row = matches.find((r) => r.tranid.toUpperCase() === exact) ?? (matches.length === 1 ? matches[0]! : null);
  // Not in the mirror: keep what the event said; the approver sees the warning.
  return row ? { ref: row.tranid, row } : { ref: ref.trim(), row: null };
}

function pickPo(reading: EmailReading, invoice: InvoiceRow | null, reason: string, rows: MirrorRows): { value: string | null; confidence: number; evidence: string } {
  const picked = pickPoRef(reading, invoice, reason);
  if (picked.value === null) return picked;
  // The reader gives a bare number the mirror's PO- prefix. A number the mirror does not know and that is
  // not shaped like the mirror's POs (the customer's own scheme, "our PO is 4500012877") is kept as written.
  const known = rows.invoices.map((r) => r.otherrefnum).filter((x): x is string => !!x).map((x) => x.toUpperCase());
  const shapes = new Set(known.map((k) => k.replace(/\d/g, '9')));
  const ref = reading.po_numbers.find((p) => p.value === picked.value);
  const written = ref ? /(\d[\d-]*\d|\d)\s*$/.exec(ref.raw)?.[1] : undefined;
  // With no PO among the rows found, fall back on the common mirror spelling (PO- and five or six digits).
  const mirrorShaped = shapes.size ? shapes.has(picked.value.toUpperCase().replace(/\d/g, '9')) : /^PO-\d{5,6}$/i.test(picked.value);
  if (!known.includes(picked.value.toUpperCase()) && !mirrorShaped && written && ref && /^\d+$/.test(written) && !/\bpo-\d/i.test(ref.raw)) {
    return Object.assign({}, picked, { value: written });
  }
  return picked;
}

// Words that hand over the PO to use: "re-issue it as PO-51150-07", "should be PO-55612", "placed under
// PO-40077", "our new PO", "please add PO 70112".
const SUPPLIES_PO = /\b(re-?issue|resubmit|re-?send|correct(ed)?|should (be|read|show|have)|use|add|replace\w*|new|right|actual|under|instead)\b/i;

/**
 * The PO number, as the AR clerk records it: the invoice's own PO (its otherrefnum) once the invoice is known,
 * or for a PO dispute the PO the customer supplies (the corrected or missing one); the PO the email cites when
 * the invoice is not known.
 */
function pickPoRef(reading: EmailReading, invoice: InvoiceRow | null, reason: string): { value: string | null; confidence: number; evidence: string } {
  const pos = reading.po_numbers;
  const own = pos.filter((p) => p.source !== 'history');
  const onInvoice = invoice?.otherrefnum ?? null;
  // The customer hands over another PO than the invoice's: in a PO dispute any other PO they write (the last
  // is the one they settle on), elsewhere only one they say to use.
  const other = own.filter((p) => p.value !== onInvoice);
  const supplied = reason === 'PO' ? other.at(-1) : other.filter((p) => SUPPLIES_PO.test(p.evidence) && /\b(po|p\.o|purchase order)\b/i.test(p.evidence)).at(-1);
  if (supplied && (reason === 'PO' || (invoice && onInvoice))) {
    return { value: supplied.value, confidence: reason === 'PO' ? 0.8 : 0.6, evidence: supplied.evidence };
  }
  if (invoice) {
    if (onInvoice) {
      const cited = pos.find((p) => p.value === onInvoice);
      return { value: onInvoice, confidence: cited ? 0.95 : 0.85, evidence: cited?.evidence ?? `the PO of ${invoice.tranid} in the mirror` };
    }
    if (reason !== 'PO') return { value: null, confidence: 0.8, evidence: `${invoice.tranid} carries no PO in the mirror` };
  }
  if (pos.length === 0) return { value: null, confidence: 0.9, evidence: 'no PO number in the email' };
  const pick = own[0] ?? pos[0]!;
  const c = pick.source === 'history' ? 0.55 : pos.length === 1 ? 0.9 : 0.7;
  return { value: pick.value, confidence: c, evidence: pick.evidence };
}
