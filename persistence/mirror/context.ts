// The context step's reads of a known customer in one statement (issue 13): the contract's named queries
// (customer, recent payments, the count and list of open disputes, prior invoices and, when the email cites
// one, the invoice), the account's AR hold request and the customer's run history. They were eight statements
// pipelined in one write; PostgreSQL and the driver each pay per statement. Each part is its query's text
// unchanged (the named queries as machines/contract.ts writes them), aggregated as JSON: the mirror's columns
// (bigint, numeric, date, text) and the history's read as JSON exactly as the driver's own parsers read them.
import { CONTRACT, WORKFLOW_TYPE } from '../../machines/contract.ts';
import type { HistoryEntry } from '../../machines/types.ts';
import type { Db } from '../connect.ts';
import { customerHistory } from '../history.ts';
import { holdRequestQuery, type HoldRequest } from '../holds.ts';
import type { MirrorRecord } from './customers.ts';
import { namedQueryPart } from './named.ts';

const Q = CONTRACT.context_queries;

export interface CustomerContextRows {
  /** The named `invoice` query's rows, when an invoice reference was given. */
  invoice: MirrorRecord[] | null;
  customer: MirrorRecord[];
  recent_payments: MirrorRecord[];
  prior_disputes: { count: number }[];
  open_disputes: MirrorRecord[];
  prior_invoices: (MirrorRecord & { id: number })[];
  hold: HoldRequest | null;
  history: HistoryEntry[];
}

/** `run_id` is the run asking, which its own history leaves out; `invoice_ref` is looked up under this customer. */
export async function customerContext(
  sql: Db,
  q: { customer_id: number; now: Date; run_id: number; invoice_ref?: string | null | undefined },
): Promise<CustomerContextRows> {
  const rows = (part: object) => sql`(SELECT coalesce(json_agg(q), '[]') FROM (${part as never}) q)`;
  const id = q.customer_id;
  const [row] = await sql<[Omit<CustomerContextRows, 'hold'> & { hold: (Omit<HoldRequest, 'requested_at'> & { requested_at: string }) | null }]>`
    SELECT ${q.invoice_ref ? rows(namedQueryPart(sql, Q.invoice, [q.invoice_ref, id])) : sql`NULL::json`} AS invoice,
           ${rows(namedQueryPart(sql, Q.customer, [id]))} AS customer,
           ${rows(namedQueryPart(sql, Q.recent_payments, [id, q.now]))} AS recent_payments,
           ${rows(namedQueryPart(sql, Q.prior_disputes, [id]))} AS prior_disputes,
           ${rows(namedQueryPart(sql, Q.open_disputes, [id]))} AS open_disputes,
           ${rows(namedQueryPart(sql, Q.prior_invoices, [id]))} AS prior_invoices,
           (SELECT row_to_json(h) FROM (${holdRequestQuery(sql, id) as never}) h) AS hold,
           ${rows(customerHistory(sql, { customer_id: id, workflow_type: WORKFLOW_TYPE, exclude_run_id: q.run_id }))} AS history`;
  const { hold, ...rest } = row!;
  return Object.assign({}, rest, { hold: hold ? Object.assign({}, hold, { requested_at: new Date(hold.requested_at) }) : null });
}
