// Reads of the mirror's transactions (invoices are type CustInvc) for the steps that draft from them.
// The extraction step's reads cast columns to text so the rows look the same whatever type parsers the
// connection was opened with; steps/extract.ts shapes them.
import type { Db, Fragment } from '../connect.ts';
import { numberList, textList } from '../lists.ts';
import type { MirrorRecord } from './customers.ts';

export const invoiceCols = (sql: Db) =>
  sql`id::text AS id, tranid, entity::text AS entity, trandate::text AS trandate, duedate::text AS duedate, foreigntotal::text AS foreigntotal, foreignamountpaid::text AS foreignamountpaid, foreignamountunpaid::text AS foreignamountunpaid, status, otherrefnum`;

/**
 * The customer's invoices carrying one of these POs, numbers or totals (any list may be empty). Awaited it runs;
 * placed into another statement it is a part of it, where `customer` may be a column of that statement and
 * `tranids` a subquery (persistence/mirror/sender.ts reads it for every customer its rows point to).
 */
export function invoicesByReferences(
  sql: Db,
  customer: number | Fragment,
  refs: { po_numbers: string[]; tranids: string[] | Fragment; amounts: number[] },
) {
  // Lists as one value each (persistence/lists.ts): they filter the customer's invoices found by its index, so
  // the generic plan stays as cheap; a subquery of the statement it is part of stays a subquery.
  const tranids = Array.isArray(refs.tranids) ? sql`tranid = ANY(${textList(refs.tranids)}::text[])` : sql`tranid IN (${refs.tranids})`;
  return sql<MirrorRecord[]>`
    SELECT ${invoiceCols(sql)} FROM transactions WHERE type = 'CustInvc' AND entity = ${customer}
      AND (otherrefnum = ANY(${textList(refs.po_numbers)}::text[]) OR ${tranids} OR foreigntotal = ANY(${numberList(refs.amounts)}::numeric[])) LIMIT 30`;
}

/** The customer's five latest invoice numbers, newest first (`customer` as in invoicesByReferences). */
export function latestInvoiceNumbers(sql: Db, customer: number | Fragment) {
  return sql<{ tranid: string }[]>`
    SELECT tranid FROM transactions WHERE type = 'CustInvc' AND entity = ${customer} ORDER BY trandate DESC LIMIT 5`;
}

/**
 * The customer's invoices with money still owed, earliest due first (bounded), as the connection's parsers
 * return them (numbers for amounts and ids, ISO strings for dates): `Row` is the caller's row type for that.
 */
export async function openInvoices<Row extends object = MirrorRecord>(sql: Db, customerId: number): Promise<Row[]> {
  return sql<Row[]>`
    SELECT id, tranid, type, entity, trandate, duedate, foreigntotal, foreignamountpaid, foreignamountunpaid, status, otherrefnum
    FROM transactions WHERE entity = ${customerId} AND type = 'CustInvc' AND foreignamountunpaid > 0
    ORDER BY duedate NULLS LAST LIMIT 500`;
}
