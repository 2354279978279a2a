// The AR dashboard's numbers (GET /api/kpis), each one query over [from, to) — days in UTC. A dispute is a
// run; its reason, invoice and amount are the extraction as the approver corrected it.
import type { Db } from './connect.ts';

export interface KpiRange {
  from: Date; // inclusive, 00:00 UTC
  to: Date; // exclusive, 00:00 UTC of the day after the last day
}

/** Statuses that close a dispute in disputeflow: refused, timed out, blocked or failed. Every other run is open. */
export const CLOSED_STATUSES = ['rejected', 'expired', 'blocked', 'failed'] as const;
const HITL = 'workflow_customer_invoice_dispute';

/** runs.reason_code and runs.disputed_amount are generated from the snapshot's extraction (migration 0005_run_dispute_facts). */
export async function disputesPerDay(sql: Db, r: KpiRange) {
  return sql<{ day: string; reason_code: string; disputes: number }[]>`
    SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, coalesce(reason_code, 'unknown') AS reason_code, count(*)::int AS disputes
    FROM runs WHERE created_at >= ${r.from} AND created_at < ${r.to}
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

/** Open disputes created before the range's end, aged at the range's end, in AR's buckets. */
export async function openAmountByAge(sql: Db, r: KpiRange) {
  const rows = await sql<{ bucket: string; disputes: number; amount: string | null }[]>`
    SELECT CASE WHEN age <= 30 THEN '0-30' WHEN age <= 60 THEN '31-60' WHEN age <= 90 THEN '61-90' ELSE '90+' END AS bucket,
           count(*)::int AS disputes, coalesce(sum(amount), 0)::text AS amount
    FROM (SELECT floor(extract(epoch FROM ${r.to}::timestamptz - created_at) / 86400)::int AS age, disputed_amount AS amount
          FROM runs WHERE created_at < ${r.to} AND status NOT IN ${sql([...CLOSED_STATUSES])}) o
    GROUP BY 1`;
  const by = new Map(rows.map((x) => [x.bucket, x]));
  return ['0-30', '31-60', '61-90', '90+'].map((bucket) => ({ bucket, disputes: by.get(bucket)?.disputes ?? 0, amount: Number(by.get(bucket)?.amount ?? 0) }));
}

/** The approver's time from staging the envelope to deciding it, per day decided: p50 and p90 in minutes. */
export async function decisionTimes(sql: Db, r: KpiRange) {
  return sql<{ day: string; decisions: number; p50_minutes: number; p90_minutes: number }[]>`
    SELECT to_char((d.decided_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*)::int AS decisions,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.decided_at - p.proposed_at) / 60))::numeric, 1)::float8 AS p50_minutes,
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.decided_at - p.proposed_at) / 60))::numeric, 1)::float8 AS p90_minutes
    FROM approval_decisions d JOIN proposed_actions p ON p.id = d.proposed_action_id
    WHERE p.action_type = ${HITL} AND d.decision IN ('approved', 'rejected') AND d.decided_at >= ${r.from} AND d.decided_at < ${r.to}
    GROUP BY 1 ORDER BY 1`;
}

/** What became of the disputes started in the range: the approver's decision on the envelope, or blocked. */
export async function outcomes(sql: Db, r: KpiRange) {
  const [row] = await sql<{ total: number; approved: number; rejected: number; expired: number; blocked: number }[]>`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE d.decision = 'approved')::int AS approved,
           count(*) FILTER (WHERE d.decision = 'rejected')::int AS rejected,
           count(*) FILTER (WHERE d.decision = 'expired')::int AS expired,
           count(*) FILTER (WHERE r.status = 'blocked')::int AS blocked
    FROM runs r
    LEFT JOIN proposed_actions p ON p.run_id = r.id AND p.action_type = ${HITL}
    LEFT JOIN approval_decisions d ON d.proposed_action_id = p.id
    WHERE r.created_at >= ${r.from} AND r.created_at < ${r.to}`;
  const o = row!;
  return Object.assign({}, o, { undecided: o.total - o.approved - o.rejected - o.expired - o.blocked });
}

/** Verify checks that finished in the range. */
export async function verifyResults(sql: Db, r: KpiRange) {
  const [row] = await sql<{ pass: number; fail: number; timeout: number }[]>`
    SELECT count(*) FILTER (WHERE status = 'pass')::int AS pass, count(*) FILTER (WHERE status = 'fail')::int AS fail,
           count(*) FILTER (WHERE status = 'timeout')::int AS timeout
    FROM workflow_verify_results WHERE checked_at >= ${r.from} AND checked_at < ${r.to}`;
  const v = row!;
  const checked = v.pass + v.fail + v.timeout;
  return Object.assign({}, v, { checked, pass_rate: checked ? Math.round((v.pass / checked) * 1000) / 1000 : null });
}

/** Customers with the most open disputes (created before the range's end), then the largest open amount. */
export async function topCustomers(sql: Db, r: KpiRange, limit = 10) {
  const rows = await sql<{ customer_id: number; name: string | null; open_disputes: number; open_amount: string }[]>`
    SELECT o.customer_id, c.companyname AS name, count(*)::int AS open_disputes, coalesce(sum(o.amount), 0)::text AS open_amount
    FROM (SELECT customer_id, disputed_amount AS amount FROM runs
          WHERE customer_id IS NOT NULL AND created_at < ${r.to} AND status NOT IN ${sql([...CLOSED_STATUSES])}) o
    LEFT JOIN customers c ON c.id = o.customer_id
    GROUP BY o.customer_id, c.companyname
    ORDER BY open_disputes DESC, sum(o.amount) DESC NULLS LAST, o.customer_id
    LIMIT ${limit}`;
  return rows.map((x) => Object.assign({}, x, { open_amount: Number(x.open_amount) }));
}

/** The approver's reason corrections in the range: which code the reader chose, and which the approver set. */
export async function reasonCorrections(sql: Db, r: KpiRange) {
  return sql<{ from: string; to: string; corrections: number }[]>`
    SELECT from_value #>> '{}' AS "from", to_value #>> '{}' AS "to", count(*)::int AS corrections
    FROM corrections WHERE field = 'reason_code' AND corrected_at >= ${r.from} AND corrected_at < ${r.to}
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`;
}
