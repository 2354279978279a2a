// When the email cites no invoice number, the customer's own references can still name exactly one
// invoice: the PO it carries, the invoice a cited payment was applied to, or its exact total. Each is
// an exact match in the mirror, never a guess; the approver is told the invoice was inferred.
import type { EmailReading } from '../read/email.ts';
import { sameAmount } from '../money.ts';
import type { InvoiceRow } from '../types.ts';
import type { MirrorRows } from './plan.ts';

export interface Inferred {
  row: InvoiceRow;
  evidence: string;
  how: string;
}

const COUNTS_AS_TOTAL = new Set(['invoice', 'paid', 'claim', 'plain']);

export function inferInvoice(reading: EmailReading, customerId: number | null, rows: MirrorRows): Inferred | null {
  if (customerId === null) return null;
  const own = rows.invoices.filter((r) => r.entity === customerId);
  const only = (hits: InvoiceRow[]) => (new Set(hits.map((h) => h.id)).size === 1 ? hits[0]! : null);

  for (const po of reading.po_numbers) {
    const row = only(own.filter((r) => r.otherrefnum === po.value));
    if (row) return { row, evidence: po.evidence, how: `from ${po.value}` };
  }
  for (const ref of reading.payment_refs) {
    const paid = rows.payments.filter((p) => p.customer_id === customerId && p.reference?.toUpperCase() === ref.value && p.applied_to);
    const row = only(own.filter((r) => paid.some((p) => p.applied_to === r.tranid)));
    if (row) return { row, evidence: ref.evidence, how: `from payment ${ref.value}, applied to it` };
  }
  for (const a of reading.amounts.filter((x) => COUNTS_AS_TOTAL.has(x.role))) {
    const row = only(own.filter((r) => sameAmount(Number(r.foreigntotal), a.value)));
    if (row) return { row, evidence: a.sentence, how: `from its total ${a.raw.trim()}` };
  }
  return null;
}
