// The event ledger: one row per idempotency key, so producer retries collapse.
import type { Tx } from './connect.ts';

export async function recordEvent(
  sql: Tx,
  e: { event_type: string; idempotency_key: string; run_id: number | null; payload: unknown; now: Date },
): Promise<{ id: number; inserted: boolean }> {
  const [row]: [{ id: number }?] = await sql`
    INSERT INTO event_ledger (event_type, idempotency_key, run_id, payload, created_at)
    VALUES (${e.event_type}, ${e.idempotency_key}, ${e.run_id}, ${sql.json(e.payload as never)}, ${e.now})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id`;
  if (row) return { id: row.id, inserted: true };
  const [existing]: [{ id: number }?] = await sql`SELECT id FROM event_ledger WHERE idempotency_key = ${e.idempotency_key}`;
  return { id: existing!.id, inserted: false };
}
