// Durable time: timers are rows, written and deleted in the event transaction.
import type { Sql } from './connect.ts';

export interface TimerRow {
  id: number;
  run_id: number;
  name: string;
  event: Record<string, unknown>;
  due_at: Date;
}

export async function setTimer(sql: Sql, t: { run_id: number; name: string; event: unknown; due_at: Date; now: Date }): Promise<void> {
  await sql`
    INSERT INTO timers (run_id, name, event, due_at, created_at)
    VALUES (${t.run_id}, ${t.name}, ${sql.json(t.event as never)}, ${t.due_at}, ${t.now})
    ON CONFLICT (run_id, name) DO UPDATE SET event = excluded.event, due_at = excluded.due_at, created_at = excluded.created_at`;
}

export async function cancelTimer(sql: Sql, runId: number, name: string): Promise<void> {
  await sql`DELETE FROM timers WHERE run_id = ${runId} AND name = ${name}`;
}



export async function deleteTimer(sql: Sql, id: number): Promise<void> {
  await sql`DELETE FROM timers WHERE id = ${id}`;
}
