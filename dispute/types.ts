// The shapes dispute/ works with: the mirror's rows as plain JSON (numbers and ISO dates, whatever the
// database driver returned), the triage email, and what extraction hands to the workflow.

export const REASON_CODES = [
  'PRC', 'DSC', 'QTY', 'DMG', 'WRG', 'NRC', 'SNR', 'DUP',
  'PAID', 'CRN', 'TAX', 'TRM', 'PO', 'FRT', 'NOI', 'OTH',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const isReasonCode = (x: unknown): x is ReasonCode =>
  typeof x === 'string' && (REASON_CODES as readonly string[]).includes(x);

export interface EmailInput {
  from: string;
  to?: string | undefined;
  subject: string;
  body: string;
  received_at?: string | undefined;
}

/** What the triage event already claims; these win over what the email says. */
export interface TriageHints {
  customer_id?: number | null | undefined;
  invoice_ref?: string | null | undefined;
}

export interface CustomerRow {
  id: number;
  companyname: string;
  email?: string | null;
  salesrep_name?: string | null;
  salesrep_email?: string | null;
  terms?: string | null;
  creditlimit?: number | null;
  creditholdoverride?: 'AUTO' | 'ON' | 'OFF' | string | null;
}

export interface ContactRow {
  id?: number;
  customer_id: number;
  name?: string | null;
  email: string | null;
}

/** A `transactions` row; invoices are type CustInvc, credit memos CustCred. */
export interface InvoiceRow {
  id: number;
  tranid: string;
  type?: string;
  entity: number;
  trandate: string;
  duedate?: string | null;
  foreigntotal: number;
  foreignamountpaid?: number | null;
  foreignamountunpaid?: number | null;
  status?: string | null;
  otherrefnum?: string | null;
}

export interface PaymentRow {
  id: number;
  customer_id: number;
  tranid?: string | null;
  payment_date: string;
  amount: number;
  method?: string | null;
  reference: string | null;
  applied_to?: string | null;
}

export interface DisputeRow {
  id: number;
  customer_id: number;
  invoice_id?: number | null;
  invoice_tranid?: string | null;
  status: 'open' | 'escalated' | 'resolved' | 'closed' | string;
  reason_code: string | null;
  amount: number | null;
  opened_at: string | null;
  resolved_at?: string | null;
}

/** The extraction step's result; the machine stores it and the approver sees it. */
export interface Extraction {
  invoice_ref: string | null;
  invoice_exists: boolean;
  customer_id: number | null;
  reason_code: ReasonCode;
  secondary_reasons: ReasonCode[];
  /** The reason model's two most probable reasons with their calibrated probabilities. */
  reason_candidates: { code: ReasonCode; p: number }[];
  /** The version of the reason model that read the email (dispute/reason/model.json). */
  reason_model: string;
  disputed_amount: number | null;
  po_number: string | null;
  payment_refs: string[];
  confidence: Record<string, number>;
  evidence: Record<string, string>;
  warnings: string[];
}

/** A value read from text, with how sure we are and the words it came from. */
export interface Found<T> {
  value: T;
  confidence: number;
  evidence: string;
}
