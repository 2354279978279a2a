// Ledger events and their announcement: each event is recorded once per idempotency key, and announced to
// NOTIFY_WEBHOOK_URL through the outbox (signed, retried) when one is configured: both in one statement
// (persistence/ledger.ts), so that the event's transaction never waits on the record to queue the webhook.
import { recordEvent, type Announcement } from '../persistence/ledger.ts';
import type { Tx } from '../persistence/connect.ts';

export interface LedgerEvent {
  event_type: string;
  idempotency_key: string;
  run_id: number | null;
  payload: unknown;
  now: Date;
}

/** The webhook body of an event (the ledger adds its `id`), or nothing without a webhook. */
export function announcement(notifyUrl: string | undefined, e: LedgerEvent): Announcement | undefined {
  if (!notifyUrl) return undefined;
  return {
    url: notifyUrl,
    body: { event_type: e.event_type, idempotency_key: e.idempotency_key, run_id: e.run_id, payload: e.payload, occurred_at: e.now.toISOString() },
  };
}

/** Records a ledger event (once per key) and, if it is new, announces it. Answers whether it was new. */
export function announce(tx: Tx, notifyUrl: string | undefined, e: LedgerEvent): Promise<boolean> {
  return recordEvent(tx, e, announcement(notifyUrl, e));
}
