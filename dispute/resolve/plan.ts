// What the lookup step must fetch from the mirror for one reading, and the rows it hands back. Keeping
// the plan pure lets the SQL step and the in-memory test double fetch exactly the same things.
import type { EmailReading } from '../read/email.ts';
import { digitsOf, stripZeros } from '../read/spans.ts';
import type { ContactRow, CustomerRow, InvoiceRow, PaymentRow, TriageHints } from '../types.ts';
import type { NamedCustomer } from './company.ts';

export interface LookupPlan {
  /** Sender addresses, lower-cased: the outer sender first, then senders of forwarded messages. */
  emails: string[];
  /** Their domains, without free-mail providers and our own domain. */
  domains: string[];
  /** Invoice keys: digits without leading zeros (`ltrim(regexp_replace(tranid,'[^0-9]','','g'),'0')`). */
  invoice_keys: string[];
  po_numbers: string[];
  /** Payment references as in customer_payments.reference (`CHK-139767`). */
  payment_refs: string[];
  /** Amounts the email states, to find an uncited invoice by its exact total once the customer is known. */
  amounts: number[];
}

export interface MirrorRows {
  /** Contacts whose address or domain matches the plan. */
  contacts: ContactRow[];
  /** Customers matched by address or domain, plus every customer the other rows point to. */
  customers: CustomerRow[];
  /** Every customer's id and name, to find companies named in the text. */
  customer_names: NamedCustomer[];
  /** Invoices (CustInvc) whose key or PO matches the plan, under any customer. */
  invoices: InvoiceRow[];
  payments: PaymentRow[];
  /** The latest invoice numbers of the customers the sender points to: how this account numbers invoices. */
  recent_tranids: { entity: number; tranid: string }[];
}

export const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'ymail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com',
  'aol.com', 'icloud.com', 'me.com', 'mac.com', 'protonmail.com', 'proton.me', 'gmx.com', 'gmx.net', 'mail.com',
  'comcast.net', 'att.net', 'verizon.net', 'yandex.com', 'zoho.com', 'fastmail.com',
]);

export const invoiceKey = (ref: string): string => stripZeros(digitsOf(ref));

/** At most this many addresses (and as many domains) are looked up in the mirror for one email. */
export const MAX_ADDRESSES = 20;

export function planLookups(reading: EmailReading, hints: TriageHints = {}, ownDomains: string[] = []): LookupPlan {
  const own = new Set(ownDomains.map((d) => d.toLowerCase()));
  const senders = [reading.parts.sender, ...reading.parts.history_senders];
  const emails = unique(senders.map((s) => s.email).filter((e): e is string => !!e));
  const domains = unique(
    senders.map((s) => s.domain).filter((d): d is string => !!d && !FREE_MAIL.has(d) && !own.has(d)),
  );
  const keys = reading.invoices.map((c) => c.key);
  if (hints.invoice_ref && digitsOf(hints.invoice_ref)) keys.unshift(invoiceKey(hints.invoice_ref));
  return {
    // The sender first, then the quoted messages' senders: a body of a thousand "From:" lines looks up twenty.
    emails: emails.slice(0, MAX_ADDRESSES),
    domains: domains.slice(0, MAX_ADDRESSES),
    invoice_keys: unique(keys).slice(0, 20),
    po_numbers: unique(reading.po_numbers.map((p) => p.value)).slice(0, 10),
    payment_refs: unique(reading.payment_refs.map((p) => p.value)).slice(0, 10),
    amounts: unique(reading.amounts.filter((a) => a.role !== 'unit' && a.role !== 'base').map((a) => Math.round(a.value * 100) / 100)).slice(0, 10),
  };
}

/** Domains that are ours, from the address the email was sent to. */
export function ownDomainsOf(to: string | null | undefined): string[] {
  const m = to ? /@([A-Za-z0-9.-]+)/.exec(to) : null;
  return m ? [m[1]!.toLowerCase()] : [];
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];
