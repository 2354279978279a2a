// Outbound notifications of ledger events (workflow.completed, workflow.partial, workflow.failed,
// workflow.alert) to the configured NOTIFY_WEBHOOK_URL, through the outbox.
import { enqueue } from '../persistence/outbox.ts';
import type { EffectContext } from './effect.ts';

export async function notifyLedgerEvent(
  c: EffectContext,
  e: { id: number; event_type: string; idempotency_key: string; payload: unknown },
): Promise<void> {
  if (!c.notifyUrl) return;
  await enqueue(c.tx, {
    run_id: c.run.id,
    kind: 'ledger_webhook',
    idempotency_key: `notify:${e.idempotency_key}`,
    url: c.notifyUrl,
    body: { id: e.id, event_type: e.event_type, idempotency_key: e.idempotency_key, run_id: c.run.id, payload: e.payload, occurred_at: c.now.toISOString() },
    now: c.now,
  });
}
