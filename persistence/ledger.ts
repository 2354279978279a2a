// The event ledger: one row per idempotency key, so producer retries collapse.
import type { Tx } from './connect.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';

export interface LedgerEventInput {
  event_type: string;
  idempotency_key: string;
  run_id: number | null;
  payload: unknown;
  now: Date;
}

/** A new event's announcement: the webhook's URL and its body, which gets the event's `id` added. */
export interface Announcement {
  url: string;
  body: Record<string, unknown>;
}

/**
 * Records an event once per idempotency key and, when it is new and `announce` is given, queues its
 * announcement in the outbox (kind `ledger_webhook`, key `notify:<key>`; the dispatcher is woken at commit).
 * One statement, sent when this is called: nothing of it waits on an answer, so a transaction can send its
 * COMMIT right behind it (runtime/engine.ts). Answers whether the event was new.
 */
export async function recordEvent(sql: Tx, e: LedgerEventInput, announce?: Announcement): Promise<boolean> {
  const [row] = await sql<[{ inserted: boolean }]>`WITH ${eventParts(sql, e, announce)} SELECT ${eventAnswer(sql)}`;
  return row.inserted;
}

/**
 * The event's parts of a statement (`ev`, `queued`: the ledger row and its webhook), to go after `WITH` in a
 * statement that also writes other rows (runLog.ts, recordOutcome); `eventAnswer` is the answer's columns.
 */
export function eventParts(sql: Tx, e: LedgerEventInput, announce?: Announcement) {
  return sql`
    ev AS (
      INSERT INTO event_ledger (event_type, idempotency_key, run_id, payload, created_at)
      VALUES (${e.event_type}, ${e.idempotency_key}, ${e.run_id}, ${sql.json(e.payload as never)}, ${e.now})
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id),
    queued AS (
      INSERT INTO outbox (run_id, kind, idempotency_key, payload, status, next_attempt_at, created_at)
      SELECT ${e.run_id}, 'ledger_webhook', ${`notify:${e.idempotency_key}`},
             jsonb_build_object('url', ${announce?.url ?? null}::text, 'body', jsonb_build_object('id', ev.id) || ${sql.json((announce?.body ?? {}) as never)}::jsonb),
             'pending', ${e.now}, ${e.now}
      FROM ev WHERE ${announce ? true : false}
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING 1)`;
}

/** Whether the event was new (`inserted`), and the dispatcher woken when its webhook was queued. */
export function eventAnswer(sql: Tx) {
  return sql`EXISTS (SELECT 1 FROM ev) AS inserted, (SELECT pg_notify(${OUTBOX_CHANNEL}, '') FROM queued LIMIT 1)::text AS woken`;
}
