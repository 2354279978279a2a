// Ledger events and their announcement: each event is recorded once per idempotency key, and announced to
// NOTIFY_WEBHOOK_URL through the outbox (signed, retried) when one is configured.
import { recordEvent } from '../persistence/ledger.ts';
import { enqueue } from '../persistence/outbox.ts';
import type { Tx } from '../persistence/connect.ts';
import type { EffectContext } from './effect.ts';

export interface LedgerEvent {
  id: number;
  event_type: string;
  idempotency_key: string;
  payload: unknown;
}

export async function notifyLedgerEvent(c: Pick<EffectContext, 'tx' | 'notifyUrl' | 'run' | 'now'>, e: LedgerEvent): Promise<void> {
  await enqueueNotification(c.tx, c.notifyUrl, c.run.id, e, c.now);
}

async function enqueueNotification(tx: Tx, notifyUrl: string | undefined, runId: number | null, e: LedgerEvent, now: Date): Promise<void> {
  if (!notifyUrl) return;
  await enqueue(tx, {
    run_id: runId,
    kind: 'ledger_webhook',
    idempotency_key: `notify:${e.idempotency_key}`,
    url: notifyUrl,
    body: { id: e.id, event_type: e.event_type, idempotency_key: e.idempotency_key, run_id: runId, payload: e.payload, occurred_at: now.toISOString() },
    now,
  });
}

/** Records a ledger event (once per key) and announces it if it is new. */
export async function announce(
  tx: Tx,
  notifyUrl: string | undefined,
  e: { event_type: string; idempotency_key: string; run_id: number | null; payload: unknown; now: Date },
): Promise<void> {
  const recorded = await recordEvent(tx, e);
  if (recorded.inserted) await enqueueNotification(tx, notifyUrl, e.run_id, { id: recorded.id, ...e }, e.now);
}
