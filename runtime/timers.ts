// The timer scheduler: every process runs one. It claims due timers with SKIP LOCKED (together with their
// run's row, so it never waits on a run that an API request holds) and applies each timer's event in the
// same transaction that deletes the timer. A late or cancelled timer is harmless: an event the run's state
// does not take changes nothing.
import type { Sql } from '../persistence/connect.ts';
import { deleteTimer, type TimerRow } from '../persistence/timers.ts';
import type { DisputeEvent } from '../machines/types.ts';
import { applyEventInTransaction, failUnrestorable, type EngineDeps } from './engine.ts';
import { RunRestoreError } from './restore.ts';
import { Poller } from './poller.ts';


export interface TimerFilter {
  run_id: number;
  name: string;
}

async function claimDue(sql: Sql, now: Date, only?: TimerFilter): Promise<TimerRow | undefined> {
  const [row]: [TimerRow?] = await sql`
    SELECT t.id, t.run_id, t.name, t.event, t.due_at
    FROM timers t JOIN runs r ON r.id = t.run_id
    WHERE t.due_at <= ${now} ${only ? sql`AND t.run_id = ${only.run_id} AND t.name = ${only.name}` : sql``}
    ORDER BY t.due_at, t.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED`;
  return row;
}

/** Fires every timer due now (or only the one named); returns how many fired. */
export async function fireDueTimers(deps: EngineDeps, opts: { max?: number; only?: TimerFilter } = {}): Promise<number> {
  const max = opts.max ?? 1000;
  let fired = 0;
  while (fired < max) {
    let failedRun: { runId: number; err: RunRestoreError } | undefined;
    const done = await deps.sql.begin(async (tx) => {
      const sql = tx as unknown as Sql;
      const now = deps.clock.now();
      const timer = await claimDue(sql, now, opts.only);
      if (!timer) return false;
      const event = { ...timer.event, ...('at' in timer.event ? { at: now.toISOString() } : {}) } as unknown as DisputeEvent;
      // Deleted first: the event may set a timer of the same name again (the next retry), which must stay.
      await deleteTimer(sql, timer.id);
      try {
        await applyEventInTransaction(deps, sql, timer.run_id, event);
      } catch (err) {
        if (!(err instanceof RunRestoreError)) throw err;
        failedRun = { runId: timer.run_id, err };
      }
      return true;
    });
    if (failedRun) await failUnrestorable(deps, failedRun.runId, failedRun.err);
    if (!done) break;
    fired++;
  }
  return fired;
}

export function timerScheduler(deps: EngineDeps, opts: { pollMs?: number; workers?: number; onError?: (err: unknown) => void } = {}): Poller {
  // A short poll is enough: the shortest timer (a 3 s retry) is set in the future, never due at commit.
  // Several claim loops side by side (each timer is claimed with SKIP LOCKED): when many timers fall due
  // together (approval windows opened in the same minute), the last fires a few times sooner.
  const workers = opts.workers ?? SCHEDULER_WORKERS;
  return new Poller(deps.sql, null, () => Promise.all(Array.from({ length: workers }, () => fireDueTimers(deps))), opts.pollMs ?? 1000, opts.onError);
}

/** Claim loops per scheduler: enough to use both cores of a small machine, few enough to leave the pool room. */
export const SCHEDULER_WORKERS = 3;
