// What GET /metrics reads from PostgreSQL at scrape time, so that every process reports the same truth:
// runs by status, the outbox, timers, verify results, and how long proposals waited for the approver.
import type { Db } from './connect.ts';

export async function outboxCounts(sql: Db): Promise<{ pending: number; failed: number }> {
  const [r] = await sql<{ pending: number; failed: number }[]>`
    SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM outbox`;
  return r!;
}

/** Seconds the most overdue timer is past its due time at `now` (0 when none is due). */
export async function timerLagSeconds(sql: Db, now: Date): Promise<number> {
  const [r] = await sql<{ lag: number | null }[]>`
    SELECT extract(epoch FROM ${now}::timestamptz - min(due_at))::float8 AS lag FROM timers WHERE due_at <= ${now}`;
  return Math.max(0, r?.lag ?? 0);
}

export async function verifyResultCounts(sql: Db): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    SELECT status, count(*)::int AS n FROM workflow_verify_results WHERE status <> 'pending' GROUP BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export interface WaitHistogram {
  action_type: string;
  /** Cumulative counts, one per upper bound given. */
  buckets: number[];
  sum: number;
  count: number;
}

/** Staged → decided, for proposals a person decided (an expired window is not a decision), per action type. */
export async function approvalWaitHistogram(sql: Db, bounds: readonly number[]): Promise<WaitHistogram[]> {
  const rows = await sql<{ action_type: string; buckets: number[]; sum: number; count: number }[]>`
    WITH w AS (
      SELECT p.action_type, greatest(0, extract(epoch FROM d.decided_at - p.proposed_at))::float8 AS s
      FROM approval_decisions d JOIN proposed_actions p ON p.id = d.proposed_action_id
      WHERE d.decision IN ('approved', 'rejected')
    ), per_bound AS (
      SELECT action_type, le, count(*) FILTER (WHERE s <= le)::int AS n
      FROM w CROSS JOIN unnest(${bounds as number[]}::float8[]) AS le GROUP BY action_type, le
    )
    SELECT t.action_type, (SELECT array_agg(n ORDER BY le) FROM per_bound b WHERE b.action_type = t.action_type) AS buckets, t.sum, t.count
    FROM (SELECT action_type, sum(s)::float8 AS sum, count(*)::int AS count FROM w GROUP BY action_type) t
    ORDER BY t.action_type`;
  return rows.map((r) => Object.assign({}, r, { buckets: r.buckets.map(Number) }));
}
