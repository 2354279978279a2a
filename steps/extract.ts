// The extraction step: reads the triage email (pure, dispute/), fetches the few mirror rows that can
// confirm what it says, and resolves them into an Extraction. Every query is indexed or bounded; the
// only whole-table read is customers' names, to recognise a company named in the text of an email whose
// sender address the mirror does not know.
import type { Db } from '../persistence/connect.ts';
import * as customers from '../persistence/mirror/customers.ts';
import { senderAndCited } from '../persistence/mirror/sender.ts';
import * as transactions from '../persistence/mirror/transactions.ts';
import { finishExtraction, prepareExtraction, type ExtractInput, type PreparedExtraction } from '../dispute/extract.ts';
import type { LookupPlan, MirrorRows } from '../dispute/resolve/plan.ts';
import type { ContactRow, CustomerRow, Extraction, InvoiceRow, PaymentRow } from '../dispute/types.ts';

export type { ExtractInput } from '../dispute/extract.ts';

/**
 * An extraction begun before its run exists: the email read and the first lookup sent. A start reads only the
 * email, not the run, so the engine begins it right behind the run's INSERT, and both go to the database in one
 * write (one round trip fewer per start); the extraction effect then takes it up (extractDispute's `begun`).
 */
export interface BegunExtraction {
  input: ExtractInput;
  prepared: PreparedExtraction;
  rows: ReturnType<typeof lookupMirror>;
}

export function beginExtraction(sql: Db, input: ExtractInput): BegunExtraction {
  const prepared = prepareExtraction(input);
  const rows = lookupMirror(sql, prepared.plan);
  // Awaited by the extraction that takes it up; one left untaken (a redelivered start) fails, if at all, with
  // its transaction.
  rows.catch(() => {});
  return { input, prepared, rows };
}

/** Whether a begun extraction read this input (the fields prepareExtraction reads, as the start gave them). */
const begunFor = (b: BegunExtraction, input: ExtractInput) =>
  b.input.email === input.email && b.input.reason_text === input.reason_text && b.input.customer_id === input.customer_id && b.input.invoice_ref === input.invoice_ref;

export async function extractDispute(sql: Db, input: ExtractInput, begun?: BegunExtraction): Promise<Extraction> {
  const early = begun && begunFor(begun, input) ? begun : null;
  const prepared = early ? early.prepared : prepareExtraction(input);
  const rows = await (early ? early.rows : lookupMirror(sql, prepared.plan));
  // Once the customer is known, fetch what only makes sense per customer: invoices carrying the cited
  // PO (when no number is cited) and how the account numbers invoices (to spell a number not found).
  const first = finishExtraction(prepared, rows);
  if (first.customer_id === null) return first;
  // Read with the first statement when the customer is one its rows point to (the sender's, a cited invoice's).
  const prefetched = rows.per_customer.get(first.customer_id);
  if (prefetched) addRows(rows, first.customer_id, prefetched.by_reference ?? [], prefetched.recent_tranids);
  else await addCustomerRows(sql, rows, prepared.plan, first.customer_id);
  return finishExtraction(prepared, rows);
}

type Raw = Record<string, unknown>;
const n = (x: unknown) => (x === null || x === undefined ? null : Number(x));
const s = (x: unknown) => (x === null || x === undefined ? null : String(x));

const toInvoice = (r: Raw): InvoiceRow => ({
  id: Number(r.id), tranid: String(r.tranid), type: 'CustInvc', entity: Number(r.entity), trandate: String(r.trandate),
  duedate: s(r.duedate), foreigntotal: Number(r.foreigntotal), foreignamountpaid: n(r.foreignamountpaid),
  foreignamountunpaid: n(r.foreignamountunpaid), status: s(r.status), otherrefnum: s(r.otherrefnum),
});
const toCustomer = (r: Raw): CustomerRow => ({
  id: Number(r.id), companyname: String(r.companyname), email: s(r.email), salesrep_name: s(r.salesrep_name),
  salesrep_email: s(r.salesrep_email), terms: s(r.terms), creditlimit: n(r.creditlimit), creditholdoverride: s(r.creditholdoverride),
});
const toContact = (r: Raw): ContactRow => ({ id: Number(r.id), customer_id: Number(r.customer_id), name: s(r.name), email: s(r.email) });
const toPayment = (r: Raw): PaymentRow => ({
  id: Number(r.id), customer_id: Number(r.customer_id), tranid: s(r.tranid), payment_date: String(r.payment_date),
  amount: Number(r.amount), method: s(r.method), reference: s(r.reference), applied_to: s(r.applied_to),
});

/**
 * Runs the plan against the mirror: senders, cited invoices (any customer), payments, customer names; and,
 * for each customer the first statement's rows point to, what addCustomerRows would read for it.
 */
export async function lookupMirror(sql: Db, plan: LookupPlan): Promise<MirrorRows & { per_customer: Map<number, { by_reference: Raw[] | null; recent_tranids: string[] }> }> {
  const none = <T>(): Promise<T[]> => Promise.resolve([]);
  // The sender's rows, what the email cites (which does not depend on who sent it) and the customers all of
  // those point to: one statement.
  const first = await senderAndCited(sql, plan);
  // The domain is only needed when the address itself is unknown.
  const byDomain = !first.contacts.length && !first.customers_by_email.length && plan.domains.length;
  const [contactsByDomain, customersByDomain, names] = await Promise.all([
    byDomain ? customers.contactsByDomains(sql, plan.domains) : none<Raw>(),
    byDomain ? customers.customersByDomains(sql, plan.domains) : none<Raw>(),
    // Company names only decide when the address is unknown (a known address outranks a name in the text),
    // so the one whole-table read happens only then.
    byDomain || !plan.emails.length ? customers.customerNames(sql) : none<Raw>(),
  ]);

  const contacts = [...first.contacts, ...contactsByDomain].map(toContact);
  const invoices = first.invoices.map(toInvoice);
  const payRows = first.payments.map(toPayment);
  // The first statement read every customer its rows point to. A customer found by domain is not among them:
  // then they are all read again, together.
  const allIds = () => [...new Set([
    ...contacts.map((c) => c.customer_id),
    ...[...first.customers_by_email, ...customersByDomain].map((r) => Number(r.id)),
    ...invoices.map((i) => i.entity),
    ...payRows.map((p) => p.customer_id),
  ])];
  const ids = byDomain ? allIds() : [];
  const rows = ids.length ? await customers.customersByIds(sql, ids) : first.customers;
  return {
    contacts,
    customers: rows.map(toCustomer),
    customer_names: names.map((r) => ({ id: Number(r.id), companyname: String(r.companyname) })),
    invoices,
    payments: payRows,
    recent_tranids: [],
    per_customer: new Map(first.per_customer.map((c) => [Number(c.customer_id), c])),
  };
}

/**
 * Adds the customer's invoices that a cited PO, payment or total points to (for an email that cites no
 * number) and the customer's latest invoice numbers (to spell a number that is not found) to `rows`.
 */
export async function addCustomerRows(sql: Db, rows: MirrorRows, plan: LookupPlan, customerId: number): Promise<void> {
  const applied = [...new Set(rows.payments.filter((p) => p.customer_id === customerId && p.applied_to).map((p) => p.applied_to!))];
  const [byRef, recent] = await Promise.all([
    plan.po_numbers.length || applied.length || plan.amounts.length
      ? transactions.invoicesByReferences(sql, customerId, { po_numbers: plan.po_numbers, tranids: applied, amounts: plan.amounts })
      : Promise.resolve([] as Raw[]),
    transactions.latestInvoiceNumbers(sql, customerId),
  ]);
  addRows(rows, customerId, byRef, recent.map((r) => String(r.tranid)));
}

function addRows(rows: MirrorRows, customerId: number, byRef: Raw[], recent: string[]): void {
  for (const r of byRef.map(toInvoice)) if (!rows.invoices.some((i) => i.id === r.id)) rows.invoices.push(r);
  rows.recent_tranids = recent.map((tranid) => ({ entity: customerId, tranid }));
}
