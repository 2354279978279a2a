// Queries on the outbox: external effects written in the event's transaction, delivered after commit
// by the dispatcher (runtime/outbox.ts).
import { raiseAlert } from './alerts.ts';
import type { Db, Tx } from './connect.ts';

export const OUTBOX_CHANNEL = 'disputeflow_outbox';

export interface OutboxRow {
  id: number;
  run_id: number | null;
  kind: string;
  idempotency_key: string;
  payload: unknown;
  attempts: number;
  proposed_action_id: number | null;
  channel: string | null;
  message_id: string | null;
}

/** Leases the next due row: its next attempt is pushed past the lease, so one process delivers it at a time. */
export async function leaseDue(sql: Db, now: Date, leaseMs: number): Promise<OutboxRow | undefined> {
  const [row] = await dueLease(sql, now, leaseMs);
  return row;
}

/**
 * The lease's statement, not yet sent. It reads the pending rows in the order it leases them, through the index on
 * (next_attempt_at, id) of migration 0014, and stops at the first it can lock: however many fell due at one instant.
 */
export const dueLease = (sql: Db, now: Date, leaseMs: number) => sql<OutboxRow[]>`
  UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ${new Date(now.getTime() + leaseMs)}
  WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ${now}
              ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING id, run_id, kind, idempotency_key, payload, attempts, proposed_action_id, channel, message_id`;

export async function markDelivered(sql: Db, id: number, now: Date): Promise<void> {
  await sql`UPDATE outbox SET status = 'delivered', delivered_at = ${now}, last_error = null WHERE id = ${id}`;
}

export async function markRetry(sql: Db, id: number, next: Date, error: string): Promise<void> {
  await sql`UPDATE outbox SET next_attempt_at = ${next}, last_error = ${error} WHERE id = ${id}`;
}

/** The last attempt failed: the row is failed for good, with an alert when the policy asks for one. */
export async function markFailed(sql: Tx, row: OutboxRow, error: string, now: Date, alert: boolean): Promise<void> {
  await sql`UPDATE outbox SET status = 'failed', last_error = ${error} WHERE id = ${row.id}`;
  if (!alert) return;
  const target = (row.payload as { url?: string | null; mail?: { to: string } }).mail?.to ?? (row.payload as { url?: string | null }).url ?? null;
  await raiseAlert(sql, {
    run_id: row.run_id,
    step: row.kind + ':' + row.idempotency_key,
    kind: 'delivery_failed',
    message: `${row.kind} delivery ${row.idempotency_key} failed after ${row.attempts} attempt(s): ${error}`,
    detail: { target, attempts: row.attempts, error, proposed_action_id: row.proposed_action_id },
    now,
  });
}
