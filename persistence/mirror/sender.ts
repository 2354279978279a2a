// The extraction step's first look at the mirror, in one statement: the sender's contacts and customers (by
// address), the invoices and payments the email cites (whoever they belong to), and the customer row of every
// customer those point to. They were five statements in two round trips (issue 13); each part keeps that
// query's columns, casts to text, limit and index (the expressions are the indexes' own: contacts_email,
// customers_email, transactions_tranid_digits, customer_payments_reference). With them, for each of those
// customers, the two reads the extraction makes once it has chosen one (transactions.ts: invoicesByReferences,
// latestInvoiceNumbers), so that choosing one of them costs no second round trip.
import type { Db } from '../connect.ts';
import { inList } from '../lists.ts';
import { contactCols, customerCols, type MirrorRecord } from './customers.ts';
import { invoiceCols, invoicesByReferences, latestInvoiceNumbers } from './transactions.ts';

export interface SenderAndCited {
  contacts: MirrorRecord[];
  /** Customers whose own address is the sender's (only their ids: their rows are in `customers`). */
  customers_by_email: { id: string }[];
  invoices: MirrorRecord[];
  payments: MirrorRecord[];
  /** Every customer that a contact, an address, a cited invoice or a cited payment points to. */
  customers: MirrorRecord[];
  /** For each of those customers (by id, as text): what addCustomerRows in steps/extract.ts reads for it. */
  per_customer: CustomerRows[];
}

export interface CustomerRows {
  customer_id: string;
  /** latestInvoiceNumbers(customer). */
  recent_tranids: string[];
  /** invoicesByReferences(customer, …) with the email's POs and totals and the customer's cited payments' invoices; null when it has none of them. */
  by_reference: MirrorRecord[] | null;
}

/** Lists may be empty (that part then finds nothing); addresses lower case, references compared upper case. */
export async function senderAndCited(
  sql: Db,
  q: { emails: string[]; invoice_keys: string[]; payment_refs: string[]; po_numbers: string[]; amounts: number[] },
): Promise<SenderAndCited> {
  // The lists are written so that what an email cites makes a few statements, not one per combination of their
  // lengths (persistence/lists.ts): those that drive an index scan by inList, the per-customer filters as arrays.
  // Per customer (a row of `ids` below): the invoices its cited payments were applied to.
  const customer = sql`ids.id`;
  const applied = sql`SELECT applied_to FROM pay WHERE pay.customer_id::bigint = ids.id AND pay.applied_to <> ''`;
  const [row] = await sql<[SenderAndCited]>`
    WITH ct AS (
      SELECT ${contactCols(sql)} FROM contacts
      WHERE ${inList(sql, sql`lower(email)`, q.emails)} LIMIT 50),
    cu AS (
      SELECT id::text AS id FROM customers WHERE ${inList(sql, sql`lower(email)`, q.emails)} LIMIT 50),
    inv AS (
      SELECT ${invoiceCols(sql)} FROM transactions
      WHERE type = 'CustInvc' AND ${inList(sql, sql`ltrim(regexp_replace(tranid, '[^0-9]', '', 'g'), '0')`, q.invoice_keys)}
      LIMIT 100),
    pay AS (
      SELECT id::text AS id, customer_id::text AS customer_id, tranid, payment_date::text AS payment_date, amount::text AS amount,
        method, reference, applied_to
      FROM customer_payments
      WHERE ${inList(sql, sql`upper(reference)`, q.payment_refs.map((r) => r.toUpperCase()))} LIMIT 20),
    ids AS (
      SELECT customer_id::bigint AS id FROM ct UNION SELECT id::bigint FROM cu
      UNION SELECT entity::bigint FROM inv UNION SELECT customer_id::bigint FROM pay)
    SELECT
      (SELECT coalesce(json_agg(ct), '[]') FROM ct) AS contacts,
      (SELECT coalesce(json_agg(cu), '[]') FROM cu) AS customers_by_email,
      (SELECT coalesce(json_agg(inv), '[]') FROM inv) AS invoices,
      (SELECT coalesce(json_agg(pay), '[]') FROM pay) AS payments,
      (SELECT coalesce(json_agg(c), '[]') FROM (SELECT ${customerCols(sql)} FROM customers WHERE id IN (SELECT id FROM ids)) c) AS customers,
      (SELECT coalesce(json_agg(x), '[]') FROM (
        SELECT ids.id::text AS customer_id,
          (SELECT coalesce(json_agg(t.tranid), '[]') FROM (${latestInvoiceNumbers(sql, customer)}) t) AS recent_tranids,
          CASE WHEN ${q.po_numbers.length > 0 || q.amounts.length > 0} OR EXISTS (${applied})
          THEN (SELECT coalesce(json_agg(r), '[]') FROM (${invoicesByReferences(sql, customer, { po_numbers: q.po_numbers, tranids: applied, amounts: q.amounts })}) r) END AS by_reference
        FROM ids) x) AS per_customer`;
  return row!;
}
