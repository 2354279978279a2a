// The outbox dispatcher: delivers external effects after commit. A row is leased (its next attempt pushed
// past the delivery timeout) in a short transaction, delivered with an idempotency key, then marked
// delivered or rescheduled by the retry policy. A process killed mid-delivery leaves the lease to expire,
// so the row goes out again: at-least-once, for receivers that dedupe on the key.
import { createHmac } from 'node:crypto';
import { CONTRACT } from '../machines/contract.ts';
import type { Sql } from '../persistence/connect.ts';
import type { Clock } from './clock.ts';
import { OUTBOX_CHANNEL } from '../persistence/outbox.ts';
import { Poller } from './poller.ts';
const DELIVERY_TIMEOUT_MS = 10_000;
const LEASE_MS = DELIVERY_TIMEOUT_MS * 3;

export interface OutboxDeps {
  sql: Sql;
  clock: Clock;
  /** Signs deliveries like our own webhook: X-Signature: sha256=<hex HMAC of the body>. */
  secret: string;
}

interface OutboxRow {
  id: number;
  run_id: number | null;
  kind: string;
  idempotency_key: string;
  payload: { url: string; body: unknown };
  attempts: number;
}

export interface DeliveryOutcome {
  id: number;
  status: 'delivered' | 'retry' | 'failed';
  attempt: number;
  error?: string | undefined;
}

async function lease(deps: OutboxDeps): Promise<OutboxRow | undefined> {
  const now = deps.clock.now();
  const [row]: [OutboxRow?] = await deps.sql`
    UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}
    WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ${now}
                ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id, run_id, kind, idempotency_key, payload, attempts`;
  return row;
}

async function deliver(deps: OutboxDeps, row: OutboxRow): Promise<string | null> {
  const body = JSON.stringify(row.payload.body);
  try {
    const res = await fetch(row.payload.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature': `sha256=${createHmac('sha256', deps.secret).update(body).digest('hex')}`,
        'idempotency-key': row.idempotency_key,
        'x-delivery-attempt': String(row.attempts),
      },
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => {});
    return res.ok ? null : `receiver answered ${res.status}`;
  } catch (err) {
    return `delivery failed: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`;
  }
}

/** Delivers every due row; returns what happened to each. */
export async function dispatchOutbox(deps: OutboxDeps, max = 100): Promise<DeliveryOutcome[]> {
  const policy = CONTRACT.retry_policy;
  const out: DeliveryOutcome[] = [];
  for (let i = 0; i < max; i++) {
    const row = await lease(deps);
    if (!row) break;
    const error = await deliver(deps, row);
    const now = deps.clock.now();
    if (error === null) {
      await deps.sql`UPDATE outbox SET status = 'delivered', delivered_at = ${now}, last_error = null WHERE id = ${row.id}`;
      out.push({ id: row.id, status: 'delivered', attempt: row.attempts });
    } else if (row.attempts < policy.max_attempts) {
      const next = new Date(now.getTime() + policy.base_ms * row.attempts);
      await deps.sql`UPDATE outbox SET next_attempt_at = ${next}, last_error = ${error} WHERE id = ${row.id}`;
      out.push({ id: row.id, status: 'retry', attempt: row.attempts, error });
    } else {
      await deps.sql.begin(async (tx) => {
        await tx`UPDATE outbox SET status = 'failed', last_error = ${error} WHERE id = ${row.id}`;
        if (policy.alert_on_final_failure) {
          await tx`INSERT INTO alerts (run_id, step, kind, message, detail, created_at)
            VALUES (${row.run_id}, ${row.kind + ':' + row.idempotency_key}, 'delivery_failed',
                    ${`${row.kind} delivery ${row.idempotency_key} failed after ${row.attempts} attempt(s): ${error}`},
                    ${tx.json({ url: row.payload.url, attempts: row.attempts, error })}, ${now})
            ON CONFLICT DO NOTHING`;
        }
      });
      out.push({ id: row.id, status: 'failed', attempt: row.attempts, error });
    }
  }
  return out;
}

export function outboxDispatcher(deps: OutboxDeps, onError: (err: unknown) => void, pollMs = 1000): Poller {
  return new Poller(deps.sql, OUTBOX_CHANNEL, () => dispatchOutbox(deps), pollMs, onError);
}
