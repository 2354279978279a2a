// Drafts the first-day reply to a dispute (never sent without approval). It cites the invoice and its
// amount, separates disputed from undisputed and asks for the undisputed part, asks for exactly the
// evidence the reason needs, says what happens next and by when, and lists the account's other
// invoices where that helps (duplicate, already paid, credit not applied). Only facts from the inputs.
import { addBusinessDays, formatLongDate } from '../dates.ts';
import { repeatIssue, repeatSentence, type PastDispute } from '../history.ts';
import { REASONS } from '../reason/codes.ts';
import type { Extraction, InvoiceRow, PaymentRow } from '../types.ts';
import { amountSplit, invoiceFacts, matchPayment, paymentSentence, priorInvoiceList } from './facts.ts';

export interface ReplyInput {
  customer: { id: number; companyname: string };
  contact_name?: string | null;
  invoice: InvoiceRow | null;
  invoice_ref: string | null;
  extraction: Pick<Extraction, 'reason_code' | 'secondary_reasons' | 'disputed_amount' | 'payment_refs' | 'po_number'>;
  /** The customer's recent payments (customer_payments rows). */
  recent_payments: PaymentRow[];
  /** The customer's other invoices (transactions rows). */
  prior_invoices: InvoiceRow[];
  /** ISO date the reply is drafted on; deadlines count from it. */
  today: string;
  /** The customer's earlier finished runs, newest first: a reason accepted before is acknowledged as a repeat. */
  history?: readonly PastDispute[] | undefined;
  /** Closing line; defaults to "Accounts Receivable". */
  signature?: string;
}

export interface Reply {
  subject: string;
  body: string;
}

const LISTS_PRIOR: string[] = ['DUP', 'PAID', 'CRN'];

/** "Pricing error" → "pricing error", but "PO missing …" keeps its acronym. */
const lowerFirst = (s: string) => (/^[A-Z]{2,}\b/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1));

export function draftReply(input: ReplyInput): Reply {
  const { extraction: x, invoice: inv, today } = input;
  const reason = REASONS[x.reason_code];
  const ref = inv?.tranid ?? input.invoice_ref;
  const paras: string[] = [];

  const first = input.contact_name?.trim().split(/\s+/)[0];
  const greeting = first && !/^(accounts|ap|billing|finance)$/i.test(first) ? `Hello ${first},` : `Hello ${input.customer.companyname} team,`;
  paras.push(greeting);
  paras.push(
    `Thank you for your message${ref ? ` about invoice ${ref}` : ''}. We have opened a review of it (${lowerFirst(reason.label)}).`,
  );

  const repeat = input.history ? repeatIssue(input.history, x.reason_code) : null;
  if (repeat) paras.push(repeatSentence(repeat, lowerFirst(reason.label)));

  if (inv) paras.push(invoiceFacts(inv));
  else if (ref) paras.push(`We could not find invoice ${ref} in our records for ${input.customer.companyname}. Please check the number, or send us a copy of the invoice you received.`);
  else if (x.reason_code !== 'NOI') paras.push('Your message does not give an invoice number. Please tell us the number printed on the invoice in question.');

  const split = amountSplit(inv, x.disputed_amount, today, x.reason_code === 'PO' || x.reason_code === 'NOI');
  if (split) paras.push(split);

  let evidence = [...reason.evidence];
  let nextStep = reason.next_step;
  if (x.reason_code === 'PAID') {
    const match = matchPayment(input.recent_payments, x.payment_refs, [x.disputed_amount, inv?.foreigntotal]);
    paras.push(paymentSentence(match, x.payment_refs, inv));
    // Once the payment is found, "tracing the payment" would contradict the sentence above.
    if (match && inv && match.payment.applied_to === inv.tranid) nextStep = 'We are confirming that your account shows this invoice as settled.';
    else if (match?.payment.applied_to) nextStep = `We are reviewing how your payment was applied (to ${match.payment.applied_to}).`;
    // A payment found by its reference needs no remittance advice.
    if (match?.by === 'reference') evidence = [];
  }
  if (x.reason_code === 'PO' && x.po_number) evidence = [`confirmation that ${x.po_number} is the PO to show, and the bill-to name and address if they should change`];
  if (x.reason_code === 'NOI' && !ref) evidence = ['the order, PO number or delivery date the missing invoice is for'];
  if (evidence.length) paras.push(['To resolve this, please send us:', ...evidence.map((e) => `- ${e}`)].join('\n'));

  const also = x.secondary_reasons.filter((c) => c !== x.reason_code).map((c) => lowerFirst(REASONS[c].label));
  if (also.length) paras.push(`You also raise: ${also.join('; ')}. We will review ${also.length > 1 ? 'these' : 'this'} at the same time.`);

  if (LISTS_PRIOR.includes(x.reason_code)) {
    const list = priorInvoiceList(input.prior_invoices, inv);
    if (list.length) paras.push(['For reference, your other recent invoices with us:', ...list].join('\n'));
  }

  const by = addBusinessDays(today, reason.respond_within_days);
  paras.push(`What happens next: ${nextStep} We will reply with the outcome by ${formatLongDate(by, true)}.`);
  paras.push(`Kind regards,\n${input.signature ?? 'Accounts Receivable'}`);

  const subject = `${ref ? `Invoice ${ref}` : 'Your invoice query'}: ${lowerFirst(reason.label)} - we are reviewing it`;
  return { subject, body: paras.join('\n\n') + '\n' };
}
