// Post actions, run once per run inside the event transaction: the run log, the reflexion entry and the
// ledger event (its idempotency key is per run, so even a replayed post collapses to one event), in one statement.
import { CONTRACT, FAN_OUT_STEPS, WORKFLOW_TYPE } from '../machines/contract.ts';
import { customerOf } from '../machines/status.ts';
import type { EffectParams } from '../machines/types.ts';
import { recordOutcome } from '../persistence/runLog.ts';
import { announcement } from './notify.ts';
import type { EffectContext, ReaderContext } from './effect.ts';

export const ledgerKey = (runId: number) => `${WORKFLOW_TYPE}:run_${runId}:outcome`;

export async function postRun(c: EffectContext, p: EffectParams['postRun']): Promise<void> {
  const ctx = c.context;
  const steps = FAN_OUT_STEPS.map((s) => ({ step: s, ...ctx.steps[s] }));
  // A run that ended at the gate ran none of its steps: they count as skipped.
  const count = (st: string) => steps.filter((s) => s.status === st || (st === 'skipped' && s.status === 'pending')).length;
  const errors = steps.flatMap((s) => s.errors.map((error) => ({ step: s.step, error })));
  const startedAt = c.run.created_at;
  const customerId = ctx.loaded?.customer?.id ?? null;
  const summary = {
    outcome: p.outcome,
    customer_id: customerId,
    invoice_ref: ctx.extraction?.invoice_ref ?? null,
    reason_code: ctx.extraction?.reason_code ?? null,
    prior_disputes: ctx.prior_disputes,
    warnings: ctx.warnings.map((w) => w.message),
    decision: ctx.decision,
    steps: Object.fromEntries(steps.map((s) => [s.step, { status: s.status, attempts: s.attempts, proposed_action_id: s.proposed_action_id ?? null }])),
  };
  const event = {
    event_type: `workflow.${p.outcome}`,
    idempotency_key: ledgerKey(c.run.id),
    run_id: c.run.id,
    payload: { run_id: c.run.id, workflow_type: WORKFLOW_TYPE, ...summary },
    now: c.now,
  };
  const tags = [WORKFLOW_TYPE, ...(customerId != null ? [`customer:${customerId}`] : [])];
  // The run log, the reflexion entry and the ledger event (with its webhook) in one statement, sent at once: a
  // write-only effect that sends nothing after an answer, so the engine can send COMMIT right behind it.
  await recordOutcome(c.tx, {
    log: {
      run_id: c.run.id,
      customer_id: customerOf(ctx),
      workflow_type: WORKFLOW_TYPE,
      status: p.outcome,
      started_at: startedAt,
      completed_at: c.now,
      steps: { total: steps.length, succeeded: count('succeeded'), failed: count('failed'), skipped: count('skipped') },
      errors,
      summary,
    },
    reflexion: CONTRACT.reflexion_enabled
      ? { run_id: c.run.id, workflow_type: WORKFLOW_TYPE, narrative: narrative(ctx, p.outcome, c.run.id), tags, now: c.now }
      : null,
    event,
    announce: announcement(c.notifyUrl, event),
  });
}

/** A readable account of the run that a later workflow (or person) can search for context. */
export function narrative(ctx: ReaderContext, outcome: string, runId: number): string {
  const customer = ctx.loaded?.customer;
  const who = customer ? `${customer.companyname} (customer ${customer.id})` : 'an unidentified customer';
  const inv = ctx.loaded?.invoice;
  const what = inv
    ? `invoice ${inv.tranid} for ${inv.foreigntotal} (unpaid ${inv.foreignamountunpaid ?? 'unknown'})`
    : ctx.extraction?.invoice_ref
      ? `invoice ${ctx.extraction.invoice_ref}, which is not in the NetSuite mirror`
      : 'no identifiable invoice';
  const lines = [
    `Run ${runId}: ${who} disputed ${what}; reason ${ctx.extraction?.reason_code ?? 'OTH'}.`,
    `The customer had ${ctx.prior_disputes} open or escalated dispute(s) at the time.`,
  ];
  if (ctx.warnings.length) lines.push(`Warnings shown to the approver: ${ctx.warnings.map((w) => w.message).join('; ')}.`);
  const note = ctx.decision?.note ? ` with the note "${ctx.decision.note}"` : '';
  if (outcome === 'blocked') {
    const blocks = ctx.warnings.filter((w) => w.severity === 'block').map((w) => w.message);
    lines.push(`Blocked before anything was staged: ${blocks.join('; ')}.`);
  } else if (ctx.decision?.decision === 'expired') lines.push('The approval window closed without a decision; nothing was done.');
  else if (ctx.decision?.decision === 'rejected') lines.push(`Rejected by ${ctx.decision.by}${note}; nothing was done.`);
  else if (ctx.decision) lines.push(`Approved by ${ctx.decision.by}${note}.`);
  for (const step of FAN_OUT_STEPS) {
    const s = ctx.steps[step];
    if (s.status === 'pending') continue;
    if (s.status === 'skipped') lines.push(`${step}: skipped (fewer than ${CONTRACT.hold_review_threshold} open disputes).`);
    else if (s.status === 'succeeded') lines.push(`${step}: staged as proposed action ${s.proposed_action_id} after ${s.attempts} attempt(s).`);
    else lines.push(`${step}: failed after ${s.attempts} attempt(s): ${s.errors.at(-1) ?? 'unknown error'}.`);
  }
  lines.push(`Outcome: ${outcome}.`);
  return lines.join('\n');
}
