// The NetSuite mirror's tables as the importer knows them: the CSV columns (same names as the table's)
// and how each field is validated. One definition serves the importer, its errors and its tests.
import { z } from 'zod';

const id = z.string().regex(/^\d{1,15}$/, 'must be a positive whole number').transform(Number);
const optId = z.union([z.literal('').transform(() => null), id]);
const text = z.string().min(1, 'must not be empty');
const optText = z.string().transform((s) => (s === '' ? null : s));
const money = z.string().regex(/^-?\d{1,12}(\.\d{1,2})?$/, 'must be an amount like 1234.56').transform(Number);
const optMoney = z.union([z.literal('').transform(() => null), money]);
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real date');
const optDate = z.union([z.literal('').transform(() => null), date]);
const email = z.union([z.literal('').transform(() => null), z.string().email('must be an email address')]);

export const MIRROR_TABLES = {
  customers: z.object({
    id,
    entityid: text,
    companyname: text,
    email,
    phone: optText,
    salesrep_id: optId,
    salesrep_name: optText,
    salesrep_email: email,
    terms: optText,
    creditlimit: optMoney,
    creditholdoverride: z.enum(['AUTO', 'ON', 'OFF'], { error: 'must be AUTO, ON or OFF' }),
    currency: text,
  }),
  contacts: z.object({ id, customer_id: id, name: optText, email, role: optText }),
  transactions: z.object({
    id,
    tranid: text,
    type: text,
    entity: id,
    trandate: date,
    duedate: optDate,
    foreigntotal: money,
    foreignamountpaid: optMoney,
    foreignamountunpaid: optMoney,
    currency: optText,
    status: optText,
    otherrefnum: optText,
    memo: optText,
  }),
  customer_payments: z.object({
    id,
    customer_id: id,
    tranid: optText,
    payment_date: date,
    amount: money,
    currency: optText,
    method: optText,
    reference: optText,
    applied_to: optText,
  }),
  ar_disputes: z.object({
    id,
    customer_id: id,
    invoice_id: optId,
    invoice_tranid: optText,
    status: z.enum(['open', 'escalated', 'resolved', 'closed'], { error: 'must be open, escalated, resolved or closed' }),
    reason_code: optText,
    amount: optMoney,
    opened_at: optDate,
    resolved_at: optDate,
  }),
} as const;

export type MirrorTable = keyof typeof MIRROR_TABLES;
/** Parents first, so a reader of a half-written import never sees children without their customer. */
export const IMPORT_ORDER: MirrorTable[] = ['customers', 'contacts', 'transactions', 'customer_payments', 'ar_disputes'];
export const columnsOf = (t: MirrorTable): string[] => Object.keys(MIRROR_TABLES[t].shape);
