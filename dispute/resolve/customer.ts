// Decides which customer wrote. In order of trust: the sender's address is a known contact or customer
// mailbox; the sender's domain is a customer's; a company is named (or spelled in an unknown domain);
// the cited invoice or payment belongs to exactly one customer. Names of people never decide: the
// same contact name exists at several customers.
import type { EmailReading } from '../read/email.ts';
import type { Found } from '../types.ts';
import { findDomainCustomers, findNamedCustomers } from './company.ts';
import type { LookupPlan, MirrorRows } from './plan.ts';

export interface CustomerDecision extends Found<number | null> {
  warnings: string[];
}

const domainOf = (email: string | null | undefined) => (email ? email.slice(email.indexOf('@') + 1).toLowerCase() : null);

export function resolveCustomer(reading: EmailReading, rows: MirrorRows, plan: LookupPlan): CustomerDecision {
  const warnings: string[] = [];
  const tiebreak = tieBreaker(reading, rows);
  const decide = (ids: number[], confidence: number, evidence: string): CustomerDecision | null => {
    const set = [...new Set(ids)];
    if (set.length === 0) return null;
    if (set.length === 1) return { value: set[0]!, confidence, evidence, warnings };
    const pick = tiebreak(set);
    warnings.push(`${evidence} matches customers ${set.join(', ')}; ${pick ? `chose ${pick.id} (${pick.why})` : 'could not choose'}`);
    return { value: pick?.id ?? null, confidence: pick ? Math.min(confidence, 0.65) : 0.3, evidence, warnings };
  };

  // 1. The address itself, the outer sender first, then the sender of a forwarded message.
  for (const [i, email] of plan.emails.entries()) {
    const ids = [
      ...rows.contacts.filter((c) => c.email?.toLowerCase() === email).map((c) => c.customer_id),
      ...rows.customers.filter((c) => c.email?.toLowerCase() === email).map((c) => c.id),
    ];
    const found = decide(ids, i === 0 ? 0.98 : 0.85, `${i === 0 ? 'sender' : 'forwarded sender'} ${email} is a contact`);
    if (found) return found;
  }
  // 2. The domain.
  for (const [i, domain] of plan.domains.entries()) {
    const ids = [
      ...rows.contacts.filter((c) => domainOf(c.email) === domain).map((c) => c.customer_id),
      ...rows.customers.filter((c) => domainOf(c.email) === domain).map((c) => c.id),
    ];
    const found = decide(ids, i === 0 ? 0.9 : 0.8, `${i === 0 ? 'sender' : 'forwarded sender'} domain ${domain} belongs to a customer`);
    if (found) return found;
  }
  // 3. A company named in the text or spelled in the domain; the invoice can confirm it.
  const named = companyMentions(reading, rows, plan);
  if (named.length) {
    const owners = invoiceOwners(reading, rows);
    const agreeing = named.filter((n) => owners.includes(n.id));
    const pool = agreeing.length ? agreeing : named;
    const conf = agreeing.length ? 0.85 : named[0]!.how === 'named' ? 0.75 : 0.6;
    const found = decide(pool.map((n) => n.id), conf, `${pool[0]!.evidence}${agreeing.length ? ' (the cited invoice agrees)' : ''}`);
    if (found) return found;
  }
  // 4. The cited invoice or payment belongs to one customer.
  const owners = invoiceOwners(reading, rows);
  if (owners.length) return decide(owners, 0.7, 'the cited invoice belongs to this customer')!;
  const payers = [...new Set(rows.payments.map((p) => p.customer_id))];
  if (payers.length) return decide(payers, 0.6, 'the cited payment belongs to this customer')!;
  return { value: null, confidence: 0, evidence: '', warnings: [...warnings, 'customer not identified: sender, domain, company name and invoice are all unknown to the mirror'] };
}

function companyMentions(reading: EmailReading, rows: MirrorRows, plan: LookupPlan) {
  const p = reading.parts;
  const texts = [p.subject, p.current, p.signature, p.sender.name ?? '', ...(p.forwarded ? [p.history] : [])];
  const named = findNamedCustomers(texts, rows.customer_names);
  return named.length ? named : findDomainCustomers(plan.domains[0] ?? null, rows.customer_names);
}

/** Customers owning invoices cited in the email, for the best-placed candidate first. */
export function invoiceOwners(reading: EmailReading, rows: MirrorRows): number[] {
  for (const c of reading.invoices) {
    const owners = rows.invoices.filter((r) => keyOf(r.tranid) === c.key).map((r) => r.entity);
    if (owners.length) return [...new Set(owners)];
  }
  return [];
}

const keyOf = (tranid: string) => tranid.replace(/\D/g, '').replace(/^0+(?=\d)/, '');

/** Chooses among several customers with what else the email says: payments, PO, amounts, names. */
function tieBreaker(reading: EmailReading, rows: MirrorRows) {
  return (ids: number[]): { id: number; why: string } | null => {
    const score = new Map<number, string[]>(ids.map((id) => [id, []]));
    const add = (id: number, why: string) => score.get(id)?.push(why);
    for (const p of rows.payments) add(p.customer_id, `payment ${p.reference}`);
    const amounts = new Set(reading.amounts.map((a) => a.value.toFixed(2)));
    const pos = new Set(reading.po_numbers.map((p) => p.value));
    const keys = new Set(reading.invoices.map((c) => c.key));
    for (const inv of rows.invoices) {
      if (!keys.has(keyOf(inv.tranid))) continue;
      add(inv.entity, `invoice ${inv.tranid}`);
      if (amounts.has(Number(inv.foreigntotal).toFixed(2))) add(inv.entity, `amount of ${inv.tranid}`);
      if (inv.otherrefnum && pos.has(inv.otherrefnum)) add(inv.entity, `PO of ${inv.tranid}`);
    }
    const p = reading.parts;
    for (const n of findNamedCustomers([p.subject, p.current, p.signature], rows.customer_names)) add(n.id, 'company named');
    const ranked = [...score.entries()].sort((a, b) => b[1].length - a[1].length);
    const [best, second] = ranked;
    if (!best || best[1].length === 0 || (second && second[1].length === best[1].length)) return null;
    return { id: best[0], why: best[1].join(', ') };
  };
}
