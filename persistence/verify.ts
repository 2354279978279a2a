// Queries on workflow_verify_results: checks staged pending, run later by the verify scheduler.
import type { Db } from './connect.ts';

export async function stageCheck(
  sql: Db,
  c: { run_id: number; check_name: string; sql_check: string; params: unknown[]; due_at: Date; now: Date },
): Promise<void> {
  await sql`
    INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, created_at)
    VALUES (${c.run_id}, ${c.check_name}, ${c.sql_check}, ${sql.json(c.params as never)}, 'pending', ${c.due_at}, ${c.now})`;
}
