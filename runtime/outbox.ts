// The outbox dispatcher: delivers external effects after commit — ledger notifications and the ERP hold
// hand-off to webhooks, approved mail to SMTP (or the mail folder). A row is leased (its next attempt
// pushed past the delivery timeout) in a short transaction, delivered with an idempotency key, then marked
// delivered or rescheduled by the retry policy. A process killed mid-delivery leaves the lease to expire,
// so the row goes out again: at-least-once, for receivers that dedupe on the key (a mail keeps its
// Message-ID). A delivery of an approved proposal is also told to its run's journal and to the ledger.
import { createHmac } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONTRACT } from '../machines/contract.ts';
import type { Sql, Tx } from '../persistence/connect.ts';
import type { Clock } from './clock.ts';
import type { MailPayload } from '../persistence/deliveries.ts';
import { OUTBOX_CHANNEL, type OutboxRow, leaseDue, markDelivered, markFailed, markRetry } from '../persistence/outbox.ts';
import { appendRunNote } from '../persistence/runs.ts';
import { announce } from '../steps/notify.ts';
import type { Mailer } from './mailer.ts';
import { claimAndApply } from './claim.ts';
import { Poller } from './poller.ts';

export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

export interface OutboxDeps {
  sql: Sql;
  clock: Clock;
  /** Signs deliveries like our own webhook: X-Signature: sha256=<hex HMAC of the body>. */
  secret: string;
  /** Approved mail goes here (SMTP, or files under DATA_DIR/mail/). */
  mailer?: Mailer | undefined;
  /** With no NOTIFY_WEBHOOK_URL, the ERP hand-off is written as JSON files here (DATA_DIR/erp/). */
  erpDir?: string | undefined;
  /** Where delivery outcomes are announced as ledger events (NOTIFY_WEBHOOK_URL), if anywhere. */
  notifyUrl?: string | undefined;
  /** How long one attempt may take; a lease held by a dead process expires after three times this. */
  deliveryTimeoutMs?: number | undefined;
}

export interface DeliveryOutcome {
  id: number;
  status: 'delivered' | 'retry' | 'failed';
  attempt: number;
  error?: string | undefined;
}

const timeoutOf = (deps: OutboxDeps) => deps.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;

/** Delivers one row; null when the receiver took it, else what went wrong. Never throws. */
async function deliver(deps: OutboxDeps, row: OutboxRow): Promise<string | null> {
  const p = row.payload as { url?: string | null; body?: unknown; mail?: MailPayload };
  if (p.mail) return sendMail(deps, p.mail);
  if (p.url) return postJson(deps, row, p.url, p.body);
  if (row.kind === 'erp_webhook' && deps.erpDir) return writeJson(deps.erpDir, row, p.body);
  return `no receiver is configured for ${row.kind} (set NOTIFY_WEBHOOK_URL)`;
}

async function sendMail(deps: OutboxDeps, mail: MailPayload): Promise<string | null> {
  if (!deps.mailer) return 'no mailer is configured';
  try {
    await deps.mailer.send(mail);
    return null;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return `mail not accepted: ${[e.code, e.message].filter(Boolean).join(' ') || String(err)}`.slice(0, 500);
  }
}

function writeJson(dir: string, row: OutboxRow, body: unknown): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${row.idempotency_key.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(body, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
    return null;
  } catch (err) {
    return `could not write the ERP hand-off: ${(err as Error).message}`;
  }
}

async function postJson(deps: OutboxDeps, row: OutboxRow, url: string, payload: unknown): Promise<string | null> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature': `sha256=${createHmac('sha256', deps.secret).update(body).digest('hex')}`,
        'idempotency-key': row.idempotency_key,
        'x-delivery-attempt': String(row.attempts),
      },
      body,
      signal: AbortSignal.timeout(timeoutOf(deps)),
    });
    await res.arrayBuffer().catch(() => {});
    return res.ok ? null : `receiver answered ${res.status}`;
  } catch (err) {
    return `delivery failed: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`;
  }
}

/**
 * Delivers every due row (at most `max`); returns what happened to each. The claim is a lease committed
 * before the delivery, so no transaction waits on the network; the outcome is recorded in a second one.
 */
export async function dispatchOutbox(deps: OutboxDeps, max = 100): Promise<DeliveryOutcome[]> {
  return claimAndApply<OutboxRow, DeliveryOutcome>(
    deps.sql,
    { claim: (tx) => leaseDue(tx, deps.clock.now(), timeoutOf(deps) * 3), afterCommit: (row) => deliverAndRecord(deps, row) },
    max,
  );
}

async function deliverAndRecord(deps: OutboxDeps, row: OutboxRow): Promise<DeliveryOutcome> {
  const policy = CONTRACT.retry_policy;
  const error = await deliver(deps, row);
  const now = deps.clock.now();
  if (error === null) {
    await deps.sql.begin(async (tx) => {
      await markDelivered(tx, row.id, now);
      await tellRun(deps, tx, row, 'sent', null, now);
    });
    return { id: row.id, status: 'delivered', attempt: row.attempts };
  }
  if (row.attempts < policy.max_attempts) {
    await markRetry(deps.sql, row.id, new Date(now.getTime() + policy.base_ms * row.attempts), error);
    return { id: row.id, status: 'retry', attempt: row.attempts, error };
  }
  await deps.sql.begin(async (tx) => {
    await markFailed(tx, row, error, now, policy.alert_on_final_failure);
    await tellRun(deps, tx, row, 'failed', error, now);
  });
  return { id: row.id, status: 'failed', attempt: row.attempts, error };
}

/** A delivery of an approved proposal ends in the run's journal and, once per outcome, in the ledger. */
async function tellRun(deps: OutboxDeps, tx: Tx, row: OutboxRow, outcome: 'sent' | 'failed', error: string | null, now: Date) {
  if (row.proposed_action_id == null || row.run_id == null) return;
  const detail = { proposed_action_id: row.proposed_action_id, channel: row.channel, message_id: row.message_id, attempts: row.attempts, error };
  await appendRunNote(tx, row.run_id, { type: `delivery.${outcome}`, ...detail }, now);
  await announce(tx, deps.notifyUrl, {
    event_type: `delivery.${outcome}`,
    idempotency_key: `${row.idempotency_key}:${outcome}`,
    run_id: row.run_id,
    payload: { run_id: row.run_id, ...detail },
    now,
  });
}

export function outboxDispatcher(deps: OutboxDeps, onError: (err: unknown) => void, pollMs = 1000): Poller {
  return new Poller(deps.sql, OUTBOX_CHANNEL, () => dispatchOutbox(deps), pollMs, onError);
}
