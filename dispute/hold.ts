// The AR hold review (staged when a customer has two or more open or escalated disputes): should we
// keep selling on credit? Hold when the account is already overdue past its terms, when it has filed
// three or more unsupported PAID/OTH disputes in 90 days, when open disputed amounts exceed a share of
// the credit limit, or when NetSuite's credit hold is already ON. A seller-fault dispute (PRC, DUP,
// QTY) with evidence argues for continuing: it is our error, so its amount does not count against the
// customer. Memory (dispute/history.ts): hold when the customer's last three decided PAID claims in earlier
// runs were all unsupported (rejected, or corrected to another reason). Every rule that fired, or that was
// checked and passed, is stated in `reasons`.
import { daysBetween } from './dates.ts';
import { unsupportedPaidClaims, type PastDispute } from './history.ts';
import { formatMoney, toCents } from './money.ts';
import { REASONS } from './reason/codes.ts';
import type { CustomerRow, DisputeRow, InvoiceRow, ReasonCode } from './types.ts';

export interface HoldPolicy {
  /** Share of the credit limit that open disputed amounts may reach (0.5: half the limit). */
  credit_share: number;
  window_days: number;
  unsupported_threshold: number;
  /** Days past the due date before an invoice counts as overdue past terms. */
  grace_days: number;
}

/** Half the credit limit: past that, disputes alone would consume the credit we extend. */
export const DEFAULT_HOLD_POLICY: HoldPolicy = { credit_share: 0.5, window_days: 90, unsupported_threshold: 3, grace_days: 0 };

export interface HoldInput {
  customer: Pick<CustomerRow, 'id' | 'creditlimit' | 'creditholdoverride'> & Partial<CustomerRow>;
  /** The customer's ar_disputes rows; `supported` marks a PAID/OTH dispute the evidence bore out. */
  open_disputes: (DisputeRow & { supported?: boolean })[];
  /** The customer's invoices (open ones matter). */
  invoices: InvoiceRow[];
  today: string;
  /** The dispute under review. */
  reason_code: ReasonCode;
  disputed_amount?: number | null;
  invoice?: InvoiceRow | null;
  /** Whether the customer backed this dispute with evidence (a cited document, quantities, prices). */
  evidence_supported?: boolean;
  policy?: Partial<HoldPolicy>;
  /** The customer's earlier finished runs, newest first (the context's `history`); absent: the rule is not checked. */
  history?: readonly PastDispute[] | undefined;
}

export interface HoldRecommendation {
  recommendation: 'hold' | 'continue';
  reasons: string[];
}

const ACTIVE = new Set(['open', 'escalated']);

export function recommendHold(input: HoldInput): HoldRecommendation {
  const policy = Object.assign({}, DEFAULT_HOLD_POLICY, input.policy);
  const { customer, today } = input;
  const hold: string[] = [];
  const ok: string[] = [];
  // Disputes name their invoice by id or by tranid, depending on the query that loaded them.
  const active = input.open_disputes.filter((d) => ACTIVE.has(d.status));
  const inDispute = (inv: InvoiceRow) => active.some((d) => (d.invoice_id != null && d.invoice_id === inv.id) || (d.invoice_tranid != null && d.invoice_tranid === inv.tranid));
  const sellerFault = REASONS[input.reason_code].seller_fault && input.evidence_supported !== false;

  if (customer.creditholdoverride === 'ON') hold.push('the NetSuite credit hold (creditholdoverride) is already ON for this account');

  // Overdue past terms, leaving out invoices that are themselves in dispute.
  const overdue = input.invoices.filter((inv) => {
    const open = Number(inv.foreignamountunpaid ?? 0);
    if (open <= 0.005 || !inv.duedate || inv.id === input.invoice?.id || inDispute(inv)) return false;
    return daysBetween(inv.duedate, today) > policy.grace_days;
  });
  if (overdue.length) {
    const sum = toCents(overdue.reduce((a, i) => a + Number(i.foreignamountunpaid), 0));
    const oldest = Math.max(...overdue.map((i) => daysBetween(i.duedate!, today)));
    hold.push(`${overdue.length} undisputed invoice${overdue.length > 1 ? 's are' : ' is'} past due beyond terms${customer.terms ? ` (${customer.terms})` : ''}: ${formatMoney(sum)} open, the oldest ${oldest} days late`);
  } else ok.push('no undisputed invoice is past due beyond terms');

  // Unsupported PAID/OTH disputes: claims that did not hold up, or are still open with nothing behind them.
  const unsupported = input.open_disputes.filter(
    (d) => (d.reason_code === 'PAID' || d.reason_code === 'OTH') && d.opened_at && daysBetween(d.opened_at, today) <= policy.window_days &&
      !(d.supported ?? d.status === 'resolved'),
  ).length + ((input.reason_code === 'PAID' || input.reason_code === 'OTH') && input.evidence_supported !== true ? 1 : 0);
  const unsupportedText = `${unsupported} unsupported PAID/OTH dispute${unsupported === 1 ? '' : 's'} in the last ${policy.window_days} days (including this one if it qualifies; threshold ${policy.unsupported_threshold})`;
  (unsupported >= policy.unsupported_threshold ? hold : ok).push(unsupportedText);

  // Memory: how the approver judged this customer's earlier PAID claims.
  if (input.history) {
    const paid = unsupportedPaidClaims(input.history);
    (paid.fired ? hold : ok).push(paid.text);
  }

  // Exposure: open disputed amounts against the credit limit.
  const alreadyFiled = input.invoice ? inDispute(input.invoice) : false;
  const current = !alreadyFiled && !sellerFault ? Number(input.disputed_amount ?? 0) : 0;
  const exposure = toCents(active.reduce((a, d) => a + Number(d.amount ?? 0), 0) + current);
  const limit = Number(customer.creditlimit ?? 0);
  if (limit > 0) {
    const share = exposure / limit;
    const text = `open disputed amounts ${formatMoney(exposure)} are ${(share * 100).toFixed(0)}% of the ${formatMoney(limit)} credit limit (threshold ${(policy.credit_share * 100).toFixed(0)}%)`;
    (share > policy.credit_share ? hold : ok).push(text);
  } else ok.push('no credit limit on file, so the exposure rule does not apply');

  if (sellerFault) {
    ok.unshift(`this dispute (${input.reason_code}, ${REASONS[input.reason_code].label.toLowerCase()}) is a seller-fault claim with evidence: it argues for continuing, and its amount is not counted against the customer`);
  }
  return hold.length ? { recommendation: 'hold', reasons: [...hold, ...ok.map((t) => `(checked) ${t}`)] } : { recommendation: 'continue', reasons: ok };
}
