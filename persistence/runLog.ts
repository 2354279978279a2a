// The contract's post actions' tables: workflow_run_log (one row per finished run, with its step counts)
// and reflexion_log (a readable account a later workflow or person can search). Written once per run, in
// the event transaction that ends it, with the run's ledger event (recordOutcome: one statement).
import type { Tx } from './connect.ts';
import { eventAnswer, eventParts, type Announcement, type LedgerEventInput } from './ledger.ts';

export interface RunLogEntry {
  run_id: number;
  /** The run's customer as runs.customer_id has it (machines/status.ts customerOf): the history finds the log by it. */
  customer_id: number | null;
  workflow_type: string;
  status: string;
  started_at: Date;
  completed_at: Date;
  steps: { total: number; succeeded: number; failed: number; skipped: number };
  errors: { step: string; error: string }[];
  summary: Record<string, unknown>;
}

export interface Reflexion {
  run_id: number;
  workflow_type: string;
  narrative: string;
  tags: string[];
  now: Date;
}

/**
 * A finished run's post actions in one statement, sent when this is called: its run log row, its reflexion
 * entry (when given) and its ledger event, with the event's webhook queued if the event is new and `announce`
 * is given (ledger.ts). Answers whether the event was new.
 */
export async function recordOutcome(
  sql: Tx,
  o: { log: RunLogEntry; reflexion: Reflexion | null; event: LedgerEventInput; announce?: Announcement | undefined },
): Promise<boolean> {
  const { log: e, reflexion: r } = o;
  const [row] = await sql<[{ inserted: boolean }]>`
    WITH logged AS (
      INSERT INTO workflow_run_log (run_id, customer_id, workflow_type, status, started_at, completed_at, duration_ms, steps_total, steps_succeeded,
        steps_failed, steps_skipped, errors, summary_json)
      VALUES (${e.run_id}, ${e.customer_id}, ${e.workflow_type}, ${e.status}, ${e.started_at}, ${e.completed_at}, ${e.completed_at.getTime() - e.started_at.getTime()},
        ${e.steps.total}, ${e.steps.succeeded}, ${e.steps.failed}, ${e.steps.skipped}, ${sql.json(e.errors)}, ${sql.json(e.summary as never)})),
    ${r ? sql`reflected AS (
      INSERT INTO reflexion_log (run_id, workflow_type, narrative, tags, created_at)
      VALUES (${r.run_id}, ${r.workflow_type}, ${r.narrative}, ${r.tags}, ${r.now})),` : sql``}
    ${eventParts(sql, o.event, o.announce)}
    SELECT ${eventAnswer(sql)}`;
  return row.inserted;
}
