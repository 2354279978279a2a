// Memory: a customer's recent finished runs, read back for the next run's context. A run is finished when
// its post step wrote the run log (workflow_run_log); the rest comes from the tables that hold each fact:
// the envelope's decision (approval_decisions), the approver's corrections, the verify results. One query,
// every table reached by an index: the customer's run logs newest first (workflow_run_log_customer, migration
// 0011; the log keeps the run's customer), then the run_id keys of the others. Runs still open have no log,
// so a customer with a thousand runs awaiting approval costs a start no more than one with none (it walked
// them all before: bench/history.ts times both). The limit is the subquery's: each log joins one run and one
// row of each other table.
import type { HistoryEntry } from '../machines/types.ts';
import type { Db } from './connect.ts';

/** How many earlier runs the context carries, and how much of a note. */
export const HISTORY_LIMIT = 10;
export const HISTORY_NOTE_CHARS = 200;

export interface HistoryQuery {
  customer_id: number;
  workflow_type: string;
  exclude_run_id: number;
  limit?: number;
}

/**
 * The customer's last finished runs of this workflow, newest first, leaving out `exclude_run_id` (the run
 * asking). Awaited it runs; inside another statement's template it is a part of that statement (the context
 * step reads it with the mirror's rows: persistence/mirror/context.ts). Its columns are text, numbers and JSON,
 * so its rows read the same as JSON.
 */
export function customerHistory(sql: Db, q: HistoryQuery) {
  // The limit is written into the statement's text, not bound: with LIMIT $n PostgreSQL cannot cost the
  // statement's generic plan (it assumes a tenth of the rows), finds it dearer than a plan for the values, and
  // plans the context's statement again at every start (about 1.2 ms of its CPU, issue 13). A number from our
  // own code, checked to be a whole number, so nothing but digits reaches the text.
  const limit = q.limit ?? HISTORY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`history limit must be a whole number >= 0, got ${limit}`);
  return sql<HistoryEntry[]>`
    SELECT r.id AS run_id,
           to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
           l.summary_json->>'invoice_ref' AS invoice_ref,
           l.summary_json->>'reason_code' AS reason_code,
           d.decision, d.decided_by, left(d.note, ${HISTORY_NOTE_CHARS}) AS note,
           coalesce(c.corrections, '[]'::jsonb) AS corrections,
           l.status AS outcome, r.status,
           v.verify
    FROM (
      -- The customer's last logs, on their own, and nothing else of runs: each log names its run, whose customer
      -- it keeps (runLog.ts). Given a filter on runs as well, PostgreSQL may plan the join from that side (the
      -- customer's runs, open ones included, or runs newest first beside the logs), which is what this avoids.
      SELECT * FROM workflow_run_log
      WHERE customer_id = ${q.customer_id} AND run_id <> ${q.exclude_run_id} AND workflow_type = ${q.workflow_type}
      ORDER BY run_id DESC
      LIMIT ${sql.unsafe(String(limit))}) l
    JOIN runs r ON r.id = l.run_id
    LEFT JOIN proposed_actions pa ON pa.run_id = r.id AND pa.step = 'approval'
    LEFT JOIN approval_decisions d ON d.proposed_action_id = pa.id
    LEFT JOIN LATERAL (
      SELECT jsonb_agg(jsonb_build_object('field', x.field, 'from', x.from_value, 'to', x.to_value) ORDER BY x.id) AS corrections
      FROM corrections x WHERE x.run_id = r.id) c ON true
    LEFT JOIN LATERAL (
      -- The worst result of the run's checks: one failing check is a failed verification.
      SELECT CASE WHEN count(*) = 0 THEN NULL
                  WHEN bool_or(w.status = 'fail') THEN 'fail'
                  WHEN bool_or(w.status = 'timeout') THEN 'timeout'
                  WHEN bool_or(w.status = 'pending') THEN 'pending'
                  ELSE 'pass' END AS verify
      FROM workflow_verify_results w WHERE w.run_id = r.id) v ON true
    ORDER BY l.run_id DESC`;
}
