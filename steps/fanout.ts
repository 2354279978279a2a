// The fan-out steps after approval. Each stages one proposed action (nothing leaves the building) and
// returns STEP_SUCCEEDED; any error (a constraint violation, a failing lookup) becomes the step's failure.
import { CONTRACT, type StepName } from '../machines/contract.ts';
import type { DisputeContext, DisputeEvent, EffectParams } from '../machines/types.ts';
import { stageProposal } from '../persistence/proposals.ts';
import type { EffectContext } from '../runtime/effects.ts';
import { draftReply, recommendHold, routeEscalation, type Extraction } from '../dispute/index.ts';

type StepBuilder = (c: EffectContext) => { entity_type: string; entity_ref: string; payload: unknown };

const today = (d: Date) => d.toISOString().slice(0, 10);
const extractionOf = (ctx: DisputeContext) => ctx.extraction as unknown as Extraction;

function customerRef(ctx: DisputeContext): string {
  const id = ctx.loaded?.customer?.id;
  return id != null ? `customer:${id}` : `email:${ctx.input.email?.from ?? ctx.input.email_uuid}`;
}

const BUILDERS: Record<StepName, StepBuilder> = {
  draftResponse: (c) => {
    const ctx = c.context;
    const reply = draftReply({
      customer: ctx.loaded?.customer as never,
      contact_name: null,
      invoice: ctx.loaded?.invoice as never,
      invoice_ref: ctx.extraction?.invoice_ref ?? null,
      extraction: extractionOf(ctx),
      recent_payments: (ctx.loaded?.recent_payments ?? []) as never,
      prior_invoices: (ctx.loaded?.prior_invoices ?? []) as never,
      today: today(c.now),
    });
    const to = ctx.input.email?.from ?? (ctx.loaded?.customer?.email as string | undefined) ?? null;
    return { entity_type: 'customer', entity_ref: customerRef(ctx), payload: { to, ...reply, tool: 'propose_email_to_customer', sent: false } };
  },
  escalate: (c) => {
    const ctx = c.context;
    const routed = routeEscalation({
      customer: ctx.loaded?.customer as never,
      reason_code: extractionOf(ctx)?.reason_code ?? 'OTH',
      invoice: ctx.loaded?.invoice as never,
      invoice_ref: ctx.extraction?.invoice_ref ?? null,
      extraction: extractionOf(ctx),
      run_id: c.run.id,
    } as never);
    return { entity_type: 'customer', entity_ref: customerRef(ctx), payload: routed };
  },
  arHoldDecision: (c) => {
    const ctx = c.context;
    const review = recommendHold({
      customer: ctx.loaded?.customer as never,
      open_disputes: (ctx.loaded?.open_disputes ?? []) as never,
      invoices: (ctx.loaded?.prior_invoices ?? []) as never,
      reason_code: extractionOf(ctx)?.reason_code ?? 'OTH',
      today: today(c.now),
    } as never);
    return { entity_type: 'workflow_run', entity_ref: `workflow_run:${c.run.id}`, payload: { prior_disputes: ctx.prior_disputes, ...review } };
  },
};

export async function runStep(c: EffectContext, p: EffectParams['runStep']): Promise<DisputeEvent> {
  const spec = CONTRACT.fan_out.find((f) => f.step === p.step)!;
  const built = BUILDERS[p.step](c);
  const id = await stageProposal(c.tx, {
    run_id: c.run.id,
    step: spec.id,
    action_type: spec.action_type,
    entity_type: built.entity_type,
    entity_ref: built.entity_ref,
    payload: { ...(built.payload as object), attempt: p.attempt },
    now: c.now,
  });
  return { type: 'STEP_SUCCEEDED', step: p.step, proposed_action_id: id };
}
