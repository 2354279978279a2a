// AR hold requests: an approved hold review marks the account "hold requested" until the ERP acts on it.
// Kept beside the mirror's customers table (which every import replaces), keyed by customer.
import type { Db, Tx } from './connect.ts';

export interface HoldRequest {
  customer_id: number;
  run_id: number;
  proposed_action_id: number;
  requested_by: string;
  requested_at: Date;
}

export async function requestHold(sql: Tx, h: HoldRequest): Promise<void> {
  await sql`
    INSERT INTO customer_hold_requests (customer_id, run_id, proposed_action_id, requested_by, requested_at)
    VALUES (${h.customer_id}, ${h.run_id}, ${h.proposed_action_id}, ${h.requested_by}, ${h.requested_at})
    ON CONFLICT (customer_id) DO UPDATE SET run_id = excluded.run_id, proposed_action_id = excluded.proposed_action_id,
      requested_by = excluded.requested_by, requested_at = excluded.requested_at`;
}

/**
 * The account's hold request, if any, as a query not sent (see history.ts, customerHistory): the context step reads
 * it with the mirror's rows (persistence/mirror/context.ts).
 */
export function holdRequestQuery(sql: Db, customerId: number) {
  return sql<HoldRequest[]>`
    SELECT customer_id::int, run_id::int, proposed_action_id::int, requested_by, requested_at
    FROM customer_hold_requests WHERE customer_id = ${customerId}`;
}
