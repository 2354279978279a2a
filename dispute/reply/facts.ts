// The factual paragraphs of a reply, each built only from mirror rows and the extraction: the invoice,
// the split between disputed and undisputed amounts, the payment we found, the other invoices.
import { daysBetween, formatLongDate } from '../dates.ts';
import { formatMoney, sameAmount, toCents } from '../money.ts';
import type { InvoiceRow, PaymentRow } from '../types.ts';

export const openAmount = (inv: InvoiceRow): number =>
  inv.foreignamountunpaid != null ? Number(inv.foreignamountunpaid) : Number(inv.foreigntotal) - Number(inv.foreignamountpaid ?? 0);

export function invoiceFacts(inv: InvoiceRow): string {
  const total = Number(inv.foreigntotal);
  const open = openAmount(inv);
  const paid = toCents(total - open);
  const state =
    open <= 0.005 ? 'our records show it as paid in full' : paid > 0.005 ? `${formatMoney(paid)} has been paid and ${formatMoney(open)} is open` : 'it is open in full';
  const due = inv.duedate && open > 0.005 ? `, due ${formatLongDate(inv.duedate)}` : '';
  return `Invoice ${inv.tranid} is dated ${formatLongDate(inv.trandate)} for ${formatMoney(total)}; ${state}${due}.`;
}

/** Disputed against undisputed, and what we ask the customer to pay meanwhile. */
export function amountSplit(inv: InvoiceRow | null, disputed: number | null, today: string, noFinancialChange: boolean): string | null {
  if (noFinancialChange) return inv && openAmount(inv) > 0.005 ? 'This request does not change the amount due on the invoice.' : null;
  if (!inv) return disputed != null ? `You dispute ${formatMoney(disputed)}.` : null;
  const open = openAmount(inv);
  const by = inv.duedate && daysBetween(today, inv.duedate) >= 0 ? `by the due date, ${formatLongDate(inv.duedate)}` : 'as soon as possible, as the invoice is past its due date';
  if (disputed == null) {
    return open > 0.005
      ? `Please let us know the amount you dispute. Any part of the invoice that is not in dispute should be paid ${by}.`
      : null;
  }
  if (open <= 0.005) return `You dispute ${formatMoney(disputed)}; as the invoice is paid in full, there is nothing further to pay while we review it.`;
  if (disputed < open - 0.005) {
    const rest = toCents(open - disputed);
    return `You dispute ${formatMoney(disputed)} of the ${formatMoney(open)} open on this invoice. The remaining ${formatMoney(rest)} is not in dispute: please pay it ${by}, so that only the disputed part stays open.`;
  }
  return `You dispute the full open amount of ${formatMoney(open)}, so no payment is requested on this invoice while we review it.`;
}

export interface PaymentMatch {
  payment: PaymentRow;
  by: 'reference' | 'amount';
}

/** A payment the customer cites, found by reference, else by amount (disputed amount or invoice total). */
export function matchPayment(payments: PaymentRow[], refs: string[], amounts: (number | null | undefined)[]): PaymentMatch | null {
  const wanted = new Set(refs.map((r) => r.toUpperCase()));
  const byRef = payments.find((p) => p.reference && wanted.has(p.reference.toUpperCase()));
  if (byRef) return { payment: byRef, by: 'reference' };
  const targets = amounts.filter((a): a is number => a != null && a > 0);
  const byAmount = payments.filter((p) => targets.some((t) => sameAmount(Number(p.amount), t)));
  return byAmount.length === 1 ? { payment: byAmount[0]!, by: 'amount' } : null;
}

export function paymentSentence(match: PaymentMatch | null, refs: string[], inv: InvoiceRow | null): string {
  if (!match) {
    return refs.length
      ? `We have not yet found a payment with the reference ${refs.join(', ')} in our records.`
      : 'We have not yet found a matching payment in our records.';
  }
  const p = match.payment;
  const what = `${p.method ? `${p.method} ` : ''}payment ${p.reference ?? p.tranid ?? ''}`.replace(/\s+/g, ' ').trim();
  const head = match.by === 'reference' ? `We found your ${what}` : `We found a ${what} that matches the amount`;
  let applied = '';
  if (p.applied_to && inv && p.applied_to === inv.tranid) applied = ` It is applied to ${inv.tranid} in our records.`;
  else if (p.applied_to) applied = ` In our records it is applied to ${p.applied_to}${inv ? `, not to ${inv.tranid}` : ''}.`;
  return `${head} of ${formatMoney(Number(p.amount))}, received ${formatLongDate(p.payment_date)}.${applied}`;
}

/** Other invoices of the account, newest first, marking the ones that look like the disputed one. */
export function priorInvoiceList(prior: InvoiceRow[], inv: InvoiceRow | null, limit = 10): string[] {
  return [...prior]
    .filter((p) => !inv || p.id !== inv.id)
    .sort((a, b) => b.trandate.localeCompare(a.trandate))
    .slice(0, limit)
    .map((p) => {
      const open = openAmount(p);
      const marks = [
        inv && sameAmount(Number(p.foreigntotal), Number(inv.foreigntotal)) ? 'same amount' : '',
        inv?.otherrefnum && p.otherrefnum === inv.otherrefnum ? 'same PO' : '',
      ].filter(Boolean);
      const state = open <= 0.005 ? 'paid' : `open ${formatMoney(open)}`;
      return `- ${p.tranid}, ${formatLongDate(p.trandate)}, ${formatMoney(Number(p.foreigntotal))}, ${state}${p.otherrefnum ? `, ${p.otherrefnum}` : ''}${marks.length ? ` (${marks.join(', ')})` : ''}`;
    });
}
