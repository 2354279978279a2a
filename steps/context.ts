// Loads the run's context from the NetSuite mirror with the contract's named queries (machines/contract.ts):
// the invoice (scoped to the customer when known), payments of the last 90 days, the count of open or
// escalated disputes, plus the customer and the customer's prior invoices — and memory: the customer's last
// finished runs (how they were decided, corrected and verified; persistence/history.ts).
import { CONTRACT, WORKFLOW_TYPE } from '../machines/contract.ts';
import type { EffectParams, LoadedContext, MirrorRow as Row } from '../machines/types.ts';
import type { Db } from '../persistence/connect.ts';
import { customerHistory } from '../persistence/history.ts';
import { holdRequestFor } from '../persistence/holds.ts';
import { runNamedQuery } from '../persistence/mirror/named.ts';

const Q = CONTRACT.context_queries;

/** `runId` is the run asking, which its own history leaves out. */
export async function loadContext(sql: Db, params: EffectParams['loadContext'], now: Date, runId: number): Promise<LoadedContext> {
  const { invoice_ref } = params;
  let customerId = params.customer_id;
  let invoice: Row | null = null;
  let invoiceMatches = 0;
  // With the customer known, the invoice goes out with the customer's queries below (one round trip for all).
  const known = customerId === null ? undefined : customerQueries(sql, customerId, now, runId);
  known?.catch(() => {}); // seen where it is awaited; not unhandled if the invoice query fails first
  if (invoice_ref) {
    const found = await runNamedQuery<Row>(sql, Q.invoice, [invoice_ref, customerId]);
    invoiceMatches = found.length;
    // Without a customer, a tranid shared by two customers ("Allow Override") identifies nobody.
    if (found.length === 1 || (customerId !== null && found.length > 0)) invoice = found[0]!;
    if (invoice && customerId === null) customerId = Number(invoice.entity);
  }
  if (customerId === null) {
    return { customer: null, invoice, invoice_matches: invoiceMatches, recent_payments: [], prior_disputes: 0, open_disputes: [], prior_invoices: [], history: [] };
  }
  const [[customer], recent, [count], open, prior, hold, history] = await (known ?? customerQueries(sql, customerId, now, runId));
  return {
    customer: customer ?? null,
    invoice,
    invoice_matches: invoiceMatches,
    recent_payments: recent,
    prior_disputes: count?.count ?? 0,
    open_disputes: open,
    prior_invoices: prior.filter((p) => p.id !== invoice?.id),
    // An AR hold an approver already asked for (an earlier run's approved hold review), until the ERP acts.
    hold_requested: hold ? { run_id: hold.run_id, proposed_action_id: hold.proposed_action_id, by: hold.requested_by, at: hold.requested_at.toISOString() } : null,
    history,
  };
}

/** The customer's seven queries, issued together: postgres.js pipelines them on the transaction's connection. */
function customerQueries(sql: Db, customerId: number, now: Date, runId: number) {
  return Promise.all([
    runNamedQuery<Row & { id: number }>(sql, Q.customer, [customerId]),
    runNamedQuery<Row>(sql, Q.recent_payments, [customerId, now]),
    runNamedQuery<{ count: number }>(sql, Q.prior_disputes, [customerId]),
    runNamedQuery<Row>(sql, Q.open_disputes, [customerId]),
    runNamedQuery<Row>(sql, Q.prior_invoices, [customerId]),
    holdRequestFor(sql, customerId),
    customerHistory(sql, { customer_id: customerId, workflow_type: WORKFLOW_TYPE, exclude_run_id: runId }),
  ]);
}
