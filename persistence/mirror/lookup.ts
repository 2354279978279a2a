// Point lookups in the NetSuite mirror for checking what the approver typed (a corrected customer or
// invoice) before anything is written.
import type { Db } from '../connect.ts';

export async function customerExists(sql: Db, id: number): Promise<boolean> {
  const [row]: [{ id: string }?] = await sql`SELECT id::text FROM customers WHERE id = ${id}`;
  return row !== undefined;
}

/** Invoices (CustInvc) with exactly this document number, scoped to the customer when one is given. */
export async function invoicesByTranid(sql: Db, tranid: string, customerId: number | null): Promise<{ id: number; entity: number }[]> {
  return sql<{ id: number; entity: number }[]>`
    SELECT id::int, entity::int FROM transactions
    WHERE type = 'CustInvc' AND tranid = ${tranid} ${customerId !== null ? sql`AND entity = ${customerId}` : sql``}
    LIMIT 2`;
}
