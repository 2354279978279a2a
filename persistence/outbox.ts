// Queries on the outbox: external effects written in the event's transaction, delivered after commit
// by the dispatcher (runtime/outbox.ts).
import type { Sql } from './connect.ts';

export const OUTBOX_CHANNEL = 'disputeflow_outbox';

/** Enqueues a delivery inside the caller's transaction; the dispatcher wakes at commit. */
export async function enqueue(sql: Sql, o: { run_id: number | null; kind: string; idempotency_key: string; url: string; body: unknown; now: Date }): Promise<void> {
  await sql`
    INSERT INTO outbox (run_id, kind, idempotency_key, payload, status, next_attempt_at, created_at)
    VALUES (${o.run_id}, ${o.kind}, ${o.idempotency_key}, ${sql.json({ url: o.url, body: o.body } as never)}, 'pending', ${o.now}, ${o.now})
    ON CONFLICT (idempotency_key) DO NOTHING`;
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
}
