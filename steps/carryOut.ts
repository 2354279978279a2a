// Carrying out what the approver approved downstream of the gate, inside the decision's transaction: the
// decision row (with the approver's edits), a journal note on the run, and the delivery queued in the
// outbox — the reply mailed to the customer (threaded under their message), the escalation mailed to the
// sales rep or the AR queue, the AR hold handed to the ERP and marked on the account. Delivery happens
// after commit (runtime/outbox.ts); what is sent is exactly what was approved.
import { randomBytes } from 'node:crypto';
import { CONTRACT } from '../machines/contract.ts';
import type { DisputeInput } from '../machines/types.ts';
import type { Tx } from '../persistence/connect.ts';
import { enqueueDelivery, type MailPayload } from '../persistence/deliveries.ts';
import { requestHold } from '../persistence/holds.ts';
import { decide, payloadEtag, type ProposedAction } from '../persistence/proposals.ts';
import { appendRunNote } from '../persistence/runs.ts';
import { stageResponseSent } from './verify.ts';

export interface CarryOutConfig {
  /** MAIL_FROM: the From of every message, and the domain of its Message-ID. */
  mailFrom: string;
  /** Where an escalation goes when the account has no sales rep. */
  arQueueEmail: string;
  /** NOTIFY_WEBHOOK_URL: where the ERP hand-off is posted (else written under DATA_DIR/erp/). */
  notifyUrl?: string | undefined;
}

export interface Edits {
  subject?: string | undefined;
  body?: string | undefined;
}

/** The proposals an approval carries out, and whether the approver may edit their text. */
export const EDITABLE_ACTIONS: ReadonlySet<string> = new Set(['customer_email', 'customer_escalation']);

const [EMAIL, ESCALATION, HOLD] = ['draft_response', 'escalate', 'ar_hold_decision'].map(
  (id) => CONTRACT.fan_out.find((f) => f.id === id)!.action_type,
) as [string, string, string];

/** The bare address of "Name <addr@host>" (or of a bare address). */
export const addressOf = (s: string) => (/<([^<>\s]+@[^<>\s]+)>/.exec(s)?.[1] ?? s).trim();
const domainOf = (from: string) => addressOf(from).split('@')[1]?.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';

/** Unique across deployments (random part) and fixed at the decision: every attempt carries the same id. */
export const newMessageId = (runId: number, proposalId: number, from: string) =>
  `<disputeflow.run-${runId}.proposal-${proposalId}.${randomBytes(6).toString('hex')}@${domainOf(from)}>`;

/** A Message-ID as a header wants it: one <…> token, or nothing when the triage event's value is not one. */
export function threadId(raw: string | undefined): string | undefined {
  const m = raw ? /<[^<>\s]+>/.exec(raw) ?? /^[^<>\s]+@[^<>\s]+$/.exec(raw.trim()) : null;
  if (!m) return undefined;
  return m[0].startsWith('<') ? m[0] : `<${m[0]}>`;
}

export async function decideDownstream(
  tx: Tx,
  cfg: CarryOutConfig,
  d: { proposal: ProposedAction; run_input: Pick<DisputeInput, 'email'>; verb: 'approve' | 'reject'; by: string; note: string | null; edits?: Edits | undefined; now: Date },
): Promise<void> {
  const { proposal: p, now } = d;
  const approved = d.verb === 'approve';
  await decide(tx, { action_id: p.id, decision: approved ? 'approved' : 'rejected', by: d.by, note: d.note, now, edits: d.edits, shown_sha256: payloadEtag(p.payload) });
  await appendRunNote(
    tx,
    p.run_id,
    { type: `proposal.${approved ? 'approved' : 'rejected'}`, proposed_action_id: p.id, action_type: p.action_type, by: d.by, note: d.note, ...(d.edits ? { edits: d.edits } : {}) },
    now,
  );
  if (!approved) return;
  const payload = p.payload as Record<string, unknown>;
  if (p.action_type === EMAIL || p.action_type === ESCALATION) {
    const isReply = p.action_type === EMAIL;
    const rep = payload.to as { email?: string } | string | null | undefined;
    const to = isReply ? String(payload.to ?? '') : (typeof rep === 'object' && rep?.email) || cfg.arQueueEmail;
    if (!to) throw new Error(`proposed action ${p.id} has no recipient`);
    const customerMessage = isReply ? threadId(d.run_input.email?.message_id) : undefined;
    const mail: MailPayload = {
      from: cfg.mailFrom,
      to,
      subject: d.edits?.subject ?? String(payload.subject ?? ''),
      text: d.edits?.body ?? String(payload.body ?? ''),
      message_id: newMessageId(p.run_id, p.id, cfg.mailFrom),
      ...(customerMessage ? { in_reply_to: customerMessage, references: customerMessage } : {}),
      date: now.toISOString(),
    };
    await enqueueDelivery(tx, { run_id: p.run_id, proposed_action_id: p.id, channel: 'email', message_id: mail.message_id, payload: { mail }, now });
    if (isReply) await stageResponseSent(tx, { run_id: p.run_id, proposed_action_id: p.id, now });
  } else if (p.action_type === HOLD) {
    const decision = payload.recommendation === 'hold' ? 'hold' : 'continue';
    const customerId = Number(payload.customer_id);
    const body = {
      event_type: 'ar_hold.approved',
      decision,
      customer_id: customerId,
      run_id: p.run_id,
      proposed_action_id: p.id,
      reasons: payload.reasons ?? [],
      approved_by: d.by,
      note: d.note,
      approved_at: now.toISOString(),
    };
    await enqueueDelivery(tx, { run_id: p.run_id, proposed_action_id: p.id, channel: 'erp_webhook', message_id: null, payload: { url: cfg.notifyUrl ?? null, body }, now });
    if (decision === 'hold') await requestHold(tx, { customer_id: customerId, run_id: p.run_id, proposed_action_id: p.id, requested_by: d.by, requested_at: now });
  }
}
