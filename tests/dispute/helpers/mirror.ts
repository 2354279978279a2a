// An in-memory stand-in for the lookup step: loads the sample mirror CSVs and answers a LookupPlan the
// way steps/extract.ts does with SQL, so the pure resolver can be measured without a database.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { finishExtraction, prepareExtraction, type ExtractInput } from '../../../dispute/extract.ts';
import type { LookupPlan, MirrorRows } from '../../../dispute/resolve/plan.ts';
import type { ContactRow, CustomerRow, DisputeRow, Extraction, InvoiceRow, PaymentRow } from '../../../dispute/types.ts';

export const MIRROR_DIR = join(import.meta.dirname, '../../../sql/sample-mirror');
export const CORPUS = join(import.meta.dirname, '../../../data/emails/sample.jsonl');

export interface Mirror {
  customers: CustomerRow[];
  contacts: ContactRow[];
  transactions: InvoiceRow[];
  payments: PaymentRow[];
  disputes: DisputeRow[];
}

const read = (file: string): Record<string, string>[] => parse(readFileSync(join(MIRROR_DIR, file), 'utf8'), { columns: true });
const num = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s));
const str = (s: string | undefined) => (s === undefined || s === '' ? null : s);

export function loadMirror(): Mirror {
  return {
    customers: read('customers.csv').map((r) => ({
      id: Number(r.id), companyname: r.companyname!, email: str(r.email), salesrep_name: str(r.salesrep_name),
      salesrep_email: str(r.salesrep_email), terms: str(r.terms), creditlimit: num(r.creditlimit), creditholdoverride: r.creditholdoverride!,
    })),
    contacts: read('contacts.csv').map((r) => ({ id: Number(r.id), customer_id: Number(r.customer_id), name: str(r.name), email: str(r.email) })),
    transactions: read('transactions.csv').map((r) => ({
      id: Number(r.id), tranid: r.tranid!, type: r.type!, entity: Number(r.entity), trandate: r.trandate!, duedate: str(r.duedate),
      foreigntotal: Number(r.foreigntotal), foreignamountpaid: num(r.foreignamountpaid), foreignamountunpaid: num(r.foreignamountunpaid),
      status: str(r.status), otherrefnum: str(r.otherrefnum),
    })),
    payments: read('customer_payments.csv').map((r) => ({
      id: Number(r.id), customer_id: Number(r.customer_id), tranid: str(r.tranid), payment_date: r.payment_date!, amount: Number(r.amount),
      method: str(r.method), reference: str(r.reference), applied_to: str(r.applied_to),
    })),
    disputes: read('ar_disputes.csv').map((r) => ({
      id: Number(r.id), customer_id: Number(r.customer_id), invoice_id: num(r.invoice_id), invoice_tranid: str(r.invoice_tranid),
      status: r.status!, reason_code: str(r.reason_code), amount: num(r.amount), opened_at: str(r.opened_at), resolved_at: str(r.resolved_at),
    })),
  };
}

const key = (t: string) => t.replace(/\D/g, '').replace(/^0+(?=\d)/, '');
const domainOf = (e: string | null | undefined) => (e ? e.slice(e.indexOf('@') + 1).toLowerCase() : null);

// The mirror's invoices by key, built once per mirror (as the database's expression index is): the benches
// time the readers through this stand-in, and a scan of every transaction per email was a twentieth of it.
const KEYED = new WeakMap<Mirror, Map<string, InvoiceRow[]>>();
function invoicesByKey(m: Mirror): Map<string, InvoiceRow[]> {
  let map = KEYED.get(m);
  if (!map) {
    map = new Map();
    for (const t of m.transactions) if (t.type === 'CustInvc') map.set(key(t.tranid), [...(map.get(key(t.tranid)) ?? []), t]);
    KEYED.set(m, map);
  }
  return map;
}

/** Answers a plan like lookupMirror() of steps/extract.ts. */
export function lookupInMemory(m: Mirror, plan: LookupPlan): MirrorRows {
  const byEmail = (e: string | null | undefined) => plan.emails.includes(e?.toLowerCase() ?? '');
  let contacts = m.contacts.filter((c) => byEmail(c.email));
  let senders = m.customers.filter((c) => byEmail(c.email));
  if (!contacts.length && !senders.length) {
    contacts = m.contacts.filter((c) => plan.domains.includes(domainOf(c.email) ?? ''));
    senders = m.customers.filter((c) => plan.domains.includes(domainOf(c.email) ?? ''));
  }
  const byKey = invoicesByKey(m);
  const invoices = [...new Set(plan.invoice_keys)].flatMap((k) => byKey.get(k) ?? []).sort((a, b) => m.transactions.indexOf(a) - m.transactions.indexOf(b));
  const payments = m.payments.filter((p) => p.reference && plan.payment_refs.includes(p.reference.toUpperCase()));
  const ids = new Set([...senders.map((c) => c.id), ...contacts.map((c) => c.customer_id), ...invoices.map((i) => i.entity), ...payments.map((p) => p.customer_id)]);
  return {
    contacts,
    customers: m.customers.filter((c) => ids.has(c.id)),
    customer_names: m.customers.map((c) => ({ id: c.id, companyname: c.companyname })),
    invoices,
    payments,
    recent_tranids: [],
  };
}

/** Like addCustomerRows() of steps/extract.ts. */
export function addCustomerRowsInMemory(m: Mirror, rows: MirrorRows, plan: LookupPlan, customerId: number): void {
  const own = m.transactions.filter((t) => t.type === 'CustInvc' && t.entity === customerId);
  const applied = rows.payments.filter((p) => p.customer_id === customerId && p.applied_to).map((p) => p.applied_to);
  const wanted = (t: InvoiceRow) =>
    (t.otherrefnum && plan.po_numbers.includes(t.otherrefnum)) || applied.includes(t.tranid) || plan.amounts.some((a) => Math.abs(a - t.foreigntotal) < 0.005);
  for (const t of own) if (wanted(t) && !rows.invoices.includes(t)) rows.invoices.push(t);
  rows.recent_tranids = [...own].sort((a, b) => b.trandate.localeCompare(a.trandate)).slice(0, 5).map((t) => ({ entity: customerId, tranid: t.tranid }));
}

/** extractDispute() without a database. */
export function extractInMemory(m: Mirror, input: ExtractInput): Extraction {
  const prepared = prepareExtraction(input);
  const rows = lookupInMemory(m, prepared.plan);
  const first = finishExtraction(prepared, rows);
  if (first.customer_id === null) return first;
  addCustomerRowsInMemory(m, rows, prepared.plan, first.customer_id);
  return finishExtraction(prepared, rows);
}

export interface LabeledEmail {
  email_uuid: string;
  from: string;
  to?: string;
  subject: string;
  body: string;
  received_at?: string;
  expected: {
    customer_id: number | null;
    invoice_ref: string | null;
    invoice_exists: boolean;
    reason_code: string;
    secondary_reasons: string[];
    disputed_amount: number | null;
    po_number: string | null;
    notes?: string;
  };
}

export const loadCorpus = (file = CORPUS): LabeledEmail[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LabeledEmail);
