// Loads the run's context from the NetSuite mirror with the contract's named queries (machines/contract.ts):
// the invoice (scoped to the customer when known), payments of the last 90 days, the count of open or
// escalated disputes, plus the customer and the customer's prior invoices — and memory: the customer's last
// finished runs (how they were decided, corrected and verified; persistence/history.ts). With the customer
// known, all of it is one statement (persistence/mirror/context.ts).
import { CONTRACT } from '../machines/contract.ts';
import type { EffectParams, LoadedContext, MirrorRow as Row } from '../machines/types.ts';
import type { Db } from '../persistence/connect.ts';
import { customerContext } from '../persistence/mirror/context.ts';
import { runNamedQuery } from '../persistence/mirror/named.ts';

const Q = CONTRACT.context_queries;

/** `runId` is the run asking, which its own history leaves out. */
export async function loadContext(sql: Db, params: EffectParams['loadContext'], now: Date, runId: number): Promise<LoadedContext> {
  const { invoice_ref } = params;
  let customerId = params.customer_id;
  let invoice: Row | null = null;
  let invoiceMatches = 0;
  // Without a customer, the invoice is looked up first: its customer is the one whose context is read.
  if (invoice_ref && customerId === null) {
    const found = await runNamedQuery<Row>(sql, Q.invoice, [invoice_ref, null]);
    invoiceMatches = found.length;
    // Without a customer, a tranid shared by two customers ("Allow Override") identifies nobody.
    if (found.length === 1) {
      invoice = found[0]!;
      customerId = Number(invoice.entity);
    }
  }
  if (customerId === null) {
    return { customer: null, invoice, invoice_matches: invoiceMatches, recent_payments: [], prior_disputes: 0, open_disputes: [], prior_invoices: [], history: [] };
  }
  // With the customer known from the start, the invoice is read with the rest, under that customer.
  const c = await customerContext(sql, { customer_id: customerId, now, run_id: runId, invoice_ref: params.customer_id === null ? null : invoice_ref });
  if (c.invoice) {
    invoiceMatches = c.invoice.length;
    invoice = (c.invoice[0] as Row | undefined) ?? null;
  }
  return {
    customer: (c.customer[0] as (Row & { id: number }) | undefined) ?? null,
    invoice,
    invoice_matches: invoiceMatches,
    recent_payments: c.recent_payments as Row[],
    prior_disputes: c.prior_disputes[0]?.count ?? 0,
    open_disputes: c.open_disputes as Row[],
    prior_invoices: (c.prior_invoices as Row[]).filter((p) => p.id !== invoice?.id),
    // An AR hold an approver already asked for (an earlier run's approved hold review), until the ERP acts.
    hold_requested: c.hold ? { run_id: c.hold.run_id, proposed_action_id: c.hold.proposed_action_id, by: c.hold.requested_by, at: c.hold.requested_at.toISOString() } : null,
    history: c.history,
  };
}
