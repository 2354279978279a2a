// The HITL gate: stage the envelope the approver decides on, and record the decision as a fact.
import { CONTRACT, fanOutCondition, WORKFLOW_TYPE } from '../machines/contract.ts';
import type { DisputeEvent, EffectParams } from '../machines/types.ts';
import { recordCorrections } from '../persistence/corrections.ts';
import { decide, stageProposal } from '../persistence/proposals.ts';
import type { EffectContext, ReaderContext } from './effect.ts';

export const envelopeRef = (runId: number) => `workflow:${WORKFLOW_TYPE}:run_${runId}`;

/** What the approver needs to decide, in one JSON document (its hash is kept with the decision). */
export function envelopePayload(ctx: ReaderContext, runId: number, expiresAt: Date) {
  const loaded = ctx.loaded;
  const inv = loaded?.invoice ?? null;
  return {
    run_id: runId,
    workflow_type: WORKFLOW_TYPE,
    email_uuid: ctx.input.email_uuid,
    customer: loaded?.customer ?? null,
    invoice_ref: ctx.extraction?.invoice_ref ?? null,
    invoice: inv,
    amount: inv ? inv.foreigntotal : null,
    reason: { code: ctx.extraction?.reason_code ?? 'OTH', text: ctx.input.reason_text },
    extraction: ctx.extraction,
    email: ctx.input.email ? { from: ctx.input.email.from, subject: ctx.input.email.subject, body: ctx.input.email.body } : null,
    prior_disputes: ctx.prior_disputes,
    hold_requested: loaded?.hold_requested ?? null,
    // Memory: the customer's last finished runs, newest first (the page shows it as "History with this customer").
    history: loaded?.history ?? [],
    open_disputes: loaded?.open_disputes ?? [],
    recent_payments: loaded?.recent_payments ?? [],
    prior_invoices: loaded?.prior_invoices ?? [],
    warnings: ctx.warnings,
    fan_out: CONTRACT.fan_out.map((f) => {
      const when = fanOutCondition(CONTRACT, f.step);
      return { step: f.id, action_type: f.action_type, ...(when ? { if: when } : {}) };
    }),
    will_stage_ar_hold_review: ctx.prior_disputes >= CONTRACT.hold_review_threshold,
    approval_expires_at: expiresAt.toISOString(),
  };
}

export async function stageApproval(c: EffectContext, p: EffectParams['stageApproval']): Promise<DisputeEvent> {
  const expires = new Date(c.now.getTime() + p.window_minutes * 60_000);
  // A start reserved the envelope's id with its first write: the INSERT then goes out with the run's save
  // instead of a round trip before it.
  const reserved = c.pipeline ? c.begun?.proposalId : undefined;
  if (c.begun) c.begun.proposalId = undefined;
  const proposal = {
    id: reserved ? await reserved : undefined,
    run_id: c.run.id,
    step: 'approval',
    action_type: CONTRACT.hitl.action_type,
    entity_type: 'workflow_run',
    entity_ref: envelopeRef(c.run.id),
    payload: envelopePayload(c.context, c.run.id, expires),
    now: c.now,
  };
  if (proposal.id !== undefined) {
    c.pipeline!(stageProposal(c.tx, proposal));
    return { type: 'APPROVAL_STAGED', action_id: proposal.id };
  }
  return { type: 'APPROVAL_STAGED', action_id: await stageProposal(c.tx, proposal) };
}

export async function recordDecision(c: EffectContext, p: EffectParams['recordDecision']): Promise<void> {
  await decide(c.tx, { action_id: p.action_id, decision: p.decision, by: p.by, note: p.note, now: c.now, shown_sha256: p.shown_sha256 });
  if (p.corrections?.length) {
    await recordCorrections(c.tx, { run_id: c.run.id, action_id: p.action_id, by: p.by, now: c.now, corrections: p.corrections });
  }
}
