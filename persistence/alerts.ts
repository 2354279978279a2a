// Queries on alerts: what an operator must look at (a step's final failure, a delivery that gave up, a run
// whose stored state this code cannot restore). One alert per (run, step, kind): a repeat of the same
// failure (a replayed event, a retried transaction) adds nothing.
import type { Db } from './connect.ts';

export type AlertKind = 'step_failed' | 'delivery_failed' | 'restore_failed';

export interface NewAlert {
  run_id: number | null;
  step: string | null;
  kind: AlertKind;
  message: string;
  detail: Record<string, unknown>;
  now: Date;
}

export interface AlertRow {
  id: number;
  run_id: number | null;
  step: string | null;
  kind: string;
  message: string;
  detail: unknown;
  created_at: Date;
}

/**
 * Raises an alert once per (run, step, kind), the table's unique key. A NULL step or run never equals
 * another, so alerts without a step (an unrestorable run) are not collapsed by the key; their callers raise
 * them once (under the run's lock).
 */
export async function raiseAlert(sql: Db, a: NewAlert): Promise<void> {
  await sql`
    INSERT INTO alerts (run_id, step, kind, message, detail, created_at)
    VALUES (${a.run_id}, ${a.step}, ${a.kind}, ${a.message}, ${sql.json(a.detail as never)}, ${a.now})
    ON CONFLICT (run_id, step, kind) DO NOTHING`;
}

/** Newest first, optionally one run's, keyset-paged by id (`before`: the previous page's last id). */
export async function listAlerts(sql: Db, q: { run_id?: number | undefined; before?: number | undefined; limit: number }): Promise<AlertRow[]> {
  return sql<AlertRow[]>`
    SELECT id, run_id, step, kind, message, detail, created_at FROM alerts
    WHERE true ${q.run_id ? sql`AND run_id = ${q.run_id}` : sql``}
      ${q.before ? sql`AND id < ${q.before}` : sql``}
    ORDER BY id DESC LIMIT ${q.limit}`;
}
