// The contract's post actions' tables: workflow_run_log (one row per finished run, with its step counts)
// and reflexion_log (a readable account a later workflow or person can search). Written once per run, in
// the event transaction that ends it.
import type { Tx } from './connect.ts';

export interface RunLogEntry {
  run_id: number;
  workflow_type: string;
  status: string;
  started_at: Date;
  completed_at: Date;
  steps: { total: number; succeeded: number; failed: number; skipped: number };
  errors: { step: string; error: string }[];
  summary: Record<string, unknown>;
}

export async function recordRunLog(sql: Tx, e: RunLogEntry): Promise<void> {
  await sql`
    INSERT INTO workflow_run_log (run_id, workflow_type, status, started_at, completed_at, duration_ms, steps_total, steps_succeeded,
      steps_failed, steps_skipped, errors, summary_json)
    VALUES (${e.run_id}, ${e.workflow_type}, ${e.status}, ${e.started_at}, ${e.completed_at}, ${e.completed_at.getTime() - e.started_at.getTime()},
      ${e.steps.total}, ${e.steps.succeeded}, ${e.steps.failed}, ${e.steps.skipped}, ${sql.json(e.errors)}, ${sql.json(e.summary as never)})`;
}

export async function recordReflexion(sql: Tx, r: { run_id: number; workflow_type: string; narrative: string; tags: string[]; now: Date }): Promise<void> {
  await sql`
    INSERT INTO reflexion_log (run_id, workflow_type, narrative, tags, created_at)
    VALUES (${r.run_id}, ${r.workflow_type}, ${r.narrative}, ${r.tags}, ${r.now})`;
}
