// Routes a dispute to the people who can settle it: the account's sales rep (customers.salesrep_*),
// tagged with the department the reason belongs to; an account without a rep goes to the AR queue.
import { formatMoney } from './money.ts';
import { REASONS, type Department } from './reason/codes.ts';
import type { CustomerRow, InvoiceRow, ReasonCode } from './types.ts';

export interface EscalationInput {
  customer: CustomerRow;
  reason_code: ReasonCode;
  secondary_reasons?: ReasonCode[];
  invoice_ref?: string | null;
  invoice?: InvoiceRow | null;
  disputed_amount?: number | null;
  /** The customer's words the reason was read from. */
  evidence?: string | null;
  /** Warnings the approver saw (low confidence, conflicts); the rep should see them too. */
  warnings?: string[];
}

export interface Escalation {
  to: { name: string; email: string } | null;
  queue: 'sales_rep' | 'ar';
  department: Department;
  subject: string;
  body: string;
}

const DEPARTMENT_NAME: Record<Department, string> = { sales_rep: 'Sales (account manager)', shipping: 'Shipping', ar: 'Accounts Receivable' };
const ASK: Record<Department, string> = {
  sales_rep: 'Please confirm the commercial terms (price, discount, terms or freight agreement) for this account and tell AR what the customer is owed, if anything.',
  shipping: 'Please check the packing slip, proof of delivery and shipment records with the shipping team and tell AR what was shipped and delivered.',
  ar: 'AR owns the resolution; please share anything you know about this account that bears on it.',
};

export function routeEscalation(input: EscalationInput): Escalation {
  const { customer: c, reason_code } = input;
  const reason = REASONS[reason_code];
  const rep = c.salesrep_email ? { name: c.salesrep_name?.trim() || c.salesrep_email, email: c.salesrep_email } : null;
  const ref = input.invoice?.tranid ?? input.invoice_ref ?? null;

  const lines = [
    rep ? `Hello ${rep.name.split(/\s+/)[0]},` : 'AR queue,',
    '',
    `${c.companyname} (customer ${c.id}) disputes ${ref ? `invoice ${ref}` : 'an invoice they did not identify'}.`,
    `Reason: ${reason.label} (${reason_code})${input.secondary_reasons?.length ? `; also ${input.secondary_reasons.join(', ')}` : ''}.`,
  ];
  if (input.invoice) {
    const inv = input.invoice;
    lines.push(`Invoice: ${inv.tranid}, dated ${inv.trandate}, total ${formatMoney(Number(inv.foreigntotal))}, open ${formatMoney(Number(inv.foreignamountunpaid ?? inv.foreigntotal))}${inv.otherrefnum ? `, ${inv.otherrefnum}` : ''}.`);
  }
  if (input.disputed_amount != null) lines.push(`Disputed amount: ${formatMoney(input.disputed_amount)}.`);
  if (input.evidence) lines.push(`Customer's words: "${input.evidence}"`);
  lines.push(`Department: ${DEPARTMENT_NAME[reason.department]}. Resolution to work toward: ${reason.resolution}`);
  lines.push(ASK[reason.department]);
  if (!rep) lines.push(`This account has no sales rep on file in NetSuite, so it is routed to the AR queue.`);
  if (input.warnings?.length) lines.push('', 'Check first:', ...input.warnings.map((w) => `- ${w}`));

  return {
    to: rep,
    queue: rep ? 'sales_rep' : 'ar',
    department: reason.department,
    subject: `Dispute: ${c.companyname}${ref ? ` ${ref}` : ''} - ${reason.label} (${reason_code})`,
    body: lines.join('\n') + '\n',
  };
}
