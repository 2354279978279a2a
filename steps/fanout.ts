// The fan-out steps after approval. Each stages one proposed action (nothing leaves the building) and
// returns STEP_SUCCEEDED; any error (a constraint violation, a failing lookup) becomes the step's failure.
import { CONTRACT, type StepName } from '../machines/contract.ts';
import type { DisputeContext, DisputeEvent, EffectParams } from '../machines/types.ts';
import { openInvoices } from '../persistence/mirror/transactions.ts';
import { stageProposal } from '../persistence/proposals.ts';
import type { EffectContext, ReaderContext } from './effect.ts';
import {
  draftReply, recommendHold, routeEscalation, splitEmail,
  type CustomerRow, type DisputeRow, type Extraction, type InvoiceRow, type PaymentRow,
} from '../dispute/index.ts';

interface Built {
  entity_type: string;
  entity_ref: string;
  payload: Record<string, unknown>;
}

const today = (d: Date) => d.toISOString().slice(0, 10);
/** Steps run after the approval, when the extraction is there. */
const extractionOf = (ctx: ReaderContext): Extraction => {
  if (!ctx.extraction) throw new Error('the fan-out needs the extraction, and the run has none');
  return ctx.extraction;
};
const customerOf = (ctx: ReaderContext) => ctx.loaded?.customer ?? null;
const invoiceOf = (ctx: ReaderContext) => ctx.loaded?.invoice ?? null;
/** An unidentified customer is addressed by the sender's display name and escalated to the AR queue. */
const UNKNOWN_CUSTOMER = (ctx: ReaderContext): CustomerRow => ({ id: 0, companyname: senderName(ctx) ?? 'customer' });

function senderName(ctx: ReaderContext): string | null {
  const from = ctx.input.email?.from;
  return from ? (splitEmail({ from, subject: '', body: '' }).sender.name ?? null) : null;
}

function customerRef(ctx: ReaderContext): string {
  const c = customerOf(ctx);
  return c ? `customer:${c.id}` : `email:${ctx.input.email?.from ?? ctx.input.email_uuid}`;
}

const BUILDERS: Record<StepName, (c: EffectContext) => Promise<Built>> = {
  async draftResponse(c) {
    const ctx = c.context;
    const x = extractionOf(ctx);
    const reply = draftReply({
      customer: customerOf(ctx) ?? UNKNOWN_CUSTOMER(ctx),
      contact_name: senderName(ctx),
      invoice: invoiceOf(ctx),
      invoice_ref: x.invoice_ref,
      extraction: x,
      recent_payments: ctx.loaded?.recent_payments ?? [],
      prior_invoices: ctx.loaded?.prior_invoices ?? [],
      history: ctx.loaded?.history,
      today: today(c.now),
    });
    const to = ctx.input.email?.from ?? (customerOf(ctx)?.email ?? null);
    // A reply to the customer's email answers in its thread: "Re: <their subject>".
    const original = ctx.input.email?.subject?.trim();
    const subject = original ? (/^re:/i.test(original) ? original : `Re: ${original}`) : reply.subject;
    return { entity_type: 'customer', entity_ref: customerRef(ctx), payload: { to, ...reply, subject, tool: 'propose_email_to_customer' } };
  },
  async escalate(c) {
    const ctx = c.context;
    const x = extractionOf(ctx);
    const routed = routeEscalation({
      customer: customerOf(ctx) ?? UNKNOWN_CUSTOMER(ctx),
      reason_code: x.reason_code,
      secondary_reasons: x.secondary_reasons,
      invoice_ref: x.invoice_ref,
      invoice: invoiceOf(ctx),
      disputed_amount: x.disputed_amount,
      evidence: x.evidence?.reason_code ?? null,
      warnings: ctx.warnings.map((w) => w.message),
    });
    return { entity_type: 'customer', entity_ref: customerRef(ctx), payload: { ...routed } };
  },
  async arHoldDecision(c) {
    const ctx = c.context;
    const x = extractionOf(ctx);
    const customer = customerOf(ctx);
    if (!customer) throw new Error('an AR hold review needs a known customer');
    const review = recommendHold({
      customer,
      open_disputes: ctx.loaded?.open_disputes ?? [],
      invoices: await openInvoices<InvoiceRow>(c.tx, customer.id),
      today: today(c.now),
      reason_code: x.reason_code,
      disputed_amount: x.disputed_amount,
      invoice: invoiceOf(ctx),
      evidence_supported: x.disputed_amount != null || x.payment_refs.length > 0,
      history: ctx.loaded?.history,
    });
    return {
      entity_type: 'workflow_run',
      entity_ref: `workflow_run:${c.run.id}`,
      payload: { customer_id: customer.id, prior_disputes: ctx.prior_disputes, open_disputes: ctx.loaded?.open_disputes ?? [], ...review },
    };
  },
};

export async function runStep(c: EffectContext, p: EffectParams['runStep']): Promise<DisputeEvent> {
  const spec = CONTRACT.fan_out.find((f) => f.step === p.step)!;
  const built = await BUILDERS[p.step](c);
  const id = await stageProposal(c.tx, {
    run_id: c.run.id,
    step: spec.id,
    action_type: spec.action_type,
    entity_type: built.entity_type,
    entity_ref: built.entity_ref,
    payload: Object.assign({}, built.payload, { attempt: p.attempt }),
    now: c.now,
  });
  return { type: 'STEP_SUCCEEDED', step: p.step, proposed_action_id: id };
}
