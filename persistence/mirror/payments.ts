// Reads of the mirror's customer payments for the extraction step (steps/extract.ts shapes the rows).
import type { Db } from '../connect.ts';
import type { MirrorRecord } from './customers.ts';

/** Payments whose reference is one of these (compared upper case). */
export async function paymentsByReferences(sql: Db, refs: string[]): Promise<MirrorRecord[]> {
  return sql<MirrorRecord[]>`
    SELECT id::text AS id, customer_id::text AS customer_id, tranid, payment_date::text AS payment_date, amount::text AS amount,
      method, reference, applied_to
    FROM customer_payments WHERE upper(reference) IN ${sql(refs.map((r) => r.toUpperCase()))} LIMIT 20`;
}
