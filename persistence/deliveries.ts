// Deliveries of approved proposals (the reply mailed, the rep notified, the hold handed to the ERP). They
// ride the outbox: one row per proposal, written in the decision's transaction, delivered after commit.
// A mail keeps the Message-ID it was given at the decision on every attempt, so a crash never makes a
// second message with a new id.
import { OUTBOX_CHANNEL } from './outbox.ts';
import type { Db, Tx } from './connect.ts';
import { numberList } from './lists.ts';

export type Channel = 'email' | 'erp_webhook';

export interface MailPayload {
  from: string;
  to: string;
  subject: string;
  text: string;
  message_id: string;
  in_reply_to?: string | undefined;
  references?: string | undefined;
  /** The decision's time: every attempt builds the same message. */
  date: string;
}

export type DeliveryPayload = { mail: MailPayload } | { url: string | null; body: unknown };

export const deliveryKey = (proposedActionId: number) => `delivery:proposed_action_${proposedActionId}`;

export async function enqueueDelivery(
  sql: Tx,
  d: { run_id: number; proposed_action_id: number; channel: Channel; message_id: string | null; payload: DeliveryPayload; now: Date },
): Promise<void> {
  await sql`
    INSERT INTO outbox (run_id, kind, idempotency_key, payload, status, next_attempt_at, created_at, proposed_action_id, channel, message_id)
    VALUES (${d.run_id}, ${d.channel === 'email' ? 'mail' : 'erp_webhook'}, ${deliveryKey(d.proposed_action_id)}, ${sql.json(d.payload as never)},
            'pending', ${d.now}, ${d.now}, ${d.proposed_action_id}, ${d.channel}, ${d.message_id})`;
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
}

export interface DeliveryView {
  proposed_action_id: number;
  channel: Channel;
  status: 'queued' | 'sent' | 'failed';
  message_id: string | null;
  to: string | null;
  subject: string | null;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  queued_at: Date;
}

/** An outbox row's status as a delivery's (queued, sent, failed); `o` is the outbox row. */
export const deliveryStatus = (sql: Db) => sql`CASE o.status WHEN 'pending' THEN 'queued' WHEN 'delivered' THEN 'sent' ELSE 'failed' END`;

const VIEW = (sql: Db) => sql`
  SELECT o.proposed_action_id, o.channel, ${deliveryStatus(sql)} AS status,
         o.message_id, coalesce(o.payload->'mail'->>'to', o.payload->>'url') AS "to", o.payload->'mail'->>'subject' AS subject,
         o.attempts, o.last_error, o.delivered_at AS sent_at, o.created_at AS queued_at, o.run_id, o.id`;

export async function runDeliveries(sql: Db, runId: number): Promise<DeliveryView[]> {
  return sql<DeliveryView[]>`${VIEW(sql)} FROM outbox o WHERE o.run_id = ${runId} AND o.proposed_action_id IS NOT NULL ORDER BY o.id`;
}

export async function proposalDelivery(sql: Db, proposedActionId: number): Promise<DeliveryView | null> {
  const [row]: [DeliveryView?] = await sql`${VIEW(sql)} FROM outbox o WHERE o.proposed_action_id = ${proposedActionId}`;
  return row ?? null;
}

/** Deliveries of many proposals at once (the approvals page's list). */
export async function deliveriesOf(sql: Db, proposedActionIds: number[]): Promise<Map<number, DeliveryView>> {
  if (proposedActionIds.length === 0) return new Map();
  const rows = await sql<DeliveryView[]>`${VIEW(sql)} FROM outbox o WHERE o.proposed_action_id = ANY(${numberList(proposedActionIds)}::bigint[])`;
  return new Map(rows.map((r) => [r.proposed_action_id, r]));
}

/** The "Sent mail" view: every approved mail, newest first, with its text. */
export async function listMail(sql: Db, f: { status?: string | undefined; cursor?: number | undefined; limit: number }) {
  const status = f.status === 'queued' ? 'pending' : f.status === 'sent' ? 'delivered' : f.status;
  const rows = await sql<(DeliveryView & { id: number; run_id: number; text: string; from: string; in_reply_to: string | null })[]>`
    ${VIEW(sql)}, o.payload->'mail'->>'text' AS text, o.payload->'mail'->>'from' AS "from", o.payload->'mail'->>'in_reply_to' AS in_reply_to
    FROM outbox o
    WHERE o.channel = 'email'
      ${status ? sql`AND o.status = ${status}` : sql``}
      ${f.cursor ? sql`AND o.id < ${f.cursor}` : sql``}
    ORDER BY o.id DESC LIMIT ${f.limit + 1}`;
  const items = rows.slice(0, f.limit);
  return { items, next_cursor: rows.length > f.limit ? String(items.at(-1)!.id) : null };
}
