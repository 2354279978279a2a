// Durable time: timers are rows, written and deleted in the event transaction, claimed by the scheduler
// (runtime/timers.ts) with the run's row so it never waits on a run that an API request holds.
import type { Db, Tx } from './connect.ts';

/** A timer row; `E` is the event it carries (the machine's event type, for the runtime). */
export interface TimerRow<E = Record<string, unknown>> {
  id: number;
  run_id: number;
  name: string;
  event: E;
  due_at: Date;
}

/** Sets the run's timer of this name, replacing one already set (a retry's next attempt, a new window). */
export async function upsertTimer(sql: Tx, t: { run_id: number; name: string; event: unknown; due_at: Date; now: Date }): Promise<void> {
  await sql`
    INSERT INTO timers (run_id, name, event, due_at, created_at)
    VALUES (${t.run_id}, ${t.name}, ${sql.json(t.event as never)}, ${t.due_at}, ${t.now})
    ON CONFLICT (run_id, name) DO UPDATE SET event = excluded.event, due_at = excluded.due_at, created_at = excluded.created_at`;
}

/** Cancels the run's timer of this name, if set. */
export async function cancelTimer(sql: Tx, runId: number, name: string): Promise<void> {
  await sql`DELETE FROM timers WHERE run_id = ${runId} AND name = ${name}`;
}

/**
 * Locks the next due timer and its run, skipping rows another transaction holds; optionally only the run's
 * timer of one name. The caller deletes it (`deleteFiredTimer`) and applies its event in this transaction.
 */
export async function claimDueTimer<E = Record<string, unknown>>(
  sql: Tx,
  now: Date,
  only?: { run_id: number; name: string },
): Promise<TimerRow<E> | undefined> {
  const [row] = await dueTimerClaim<E>(sql, now, only);
  return row;
}

/**
 * The claim's statement, not yet sent. It reads the timers in the order it claims them, through the index on
 * (due_at, id) of migration 0013, and stops at the first it can lock: however many are due, even at one instant.
 */
export const dueTimerClaim = <E = Record<string, unknown>>(sql: Db, now: Date, only?: { run_id: number; name: string }) => sql<TimerRow<E>[]>`
  SELECT t.id, t.run_id, t.name, t.event, t.due_at
  FROM timers t JOIN runs r ON r.id = t.run_id
  WHERE t.due_at <= ${now} ${only ? sql`AND t.run_id = ${only.run_id} AND t.name = ${only.name}` : sql``}
  ORDER BY t.due_at, t.id
  LIMIT 1
  FOR UPDATE SKIP LOCKED`;

/** Deletes a claimed timer by id (not by name: its event may set a new timer of the same name). */
export async function deleteFiredTimer(sql: Tx, id: number): Promise<void> {
  await sql`DELETE FROM timers WHERE id = ${id}`;
}

/**
 * When the earliest timer falls due (null: none is set). One indexed read, outside any transaction: the
 * scheduler's idle poll, and when to wake up next. Locked rows count too; the claim skips them.
 */
export async function nextTimerDue(sql: Db): Promise<Date | null> {
  const [row]: [{ due: Date | null }?] = await sql`SELECT min(due_at) AS due FROM timers`;
  return row?.due ?? null;
}
