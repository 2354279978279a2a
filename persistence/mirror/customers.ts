// Reads of the mirror's customers and their contacts, for the extraction step (steps/extract.ts), which
// shapes the rows; the look-up by the sender's address is in sender.ts. Columns are cast to text so the rows
// look the same whatever type parsers the connection was opened with. Every query is indexed or bounded,
// except `customerNames` (see there).
import type { Db } from '../connect.ts';
import { inList } from '../lists.ts';

export type MirrorRecord = Record<string, unknown>;

export const customerCols = (sql: Db) =>
  sql`id::text AS id, companyname, email, salesrep_name, salesrep_email, terms, creditlimit::text AS creditlimit, creditholdoverride`;

export const contactCols = (sql: Db) => sql`id::text AS id, customer_id::text AS customer_id, name, email`;

/** Contacts at one of these domains (lower case). */
export async function contactsByDomains(sql: Db, domains: string[]): Promise<MirrorRecord[]> {
  return sql<MirrorRecord[]>`
    SELECT ${contactCols(sql)} FROM contacts
    WHERE ${inList(sql, sql`split_part(lower(email), '@', 2)`, domains)} LIMIT 50`;
}

/** Customers whose own address is at one of these domains (lower case). */
export async function customersByDomains(sql: Db, domains: string[]): Promise<MirrorRecord[]> {
  return sql<MirrorRecord[]>`SELECT ${customerCols(sql)} FROM customers WHERE ${inList(sql, sql`split_part(lower(email), '@', 2)`, domains)} LIMIT 50`;
}

export async function customersByIds(sql: Db, ids: number[]): Promise<MirrorRecord[]> {
  return sql<MirrorRecord[]>`SELECT ${customerCols(sql)} FROM customers WHERE ${inList(sql, sql`id`, ids)}`;
}

/** Every customer's id and name: the one whole-table read, to recognise a company named in an email's text. */
export async function customerNames(sql: Db): Promise<MirrorRecord[]> {
  return sql<MirrorRecord[]>`SELECT id::text AS id, companyname FROM customers`;
}
