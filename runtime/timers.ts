// The timer scheduler: every process runs one. It claims due timers with SKIP LOCKED (together with their
// run's row, so it never waits on a run that an API request holds) and applies each timer's event in the
// same transaction that deletes the timer. A late or cancelled timer is harmless: an event the run's state
// does not take changes nothing.
import { claimDueTimer, deleteFiredTimer, nextTimerDue, type TimerRow } from '../persistence/timers.ts';
import type { DisputeEvent } from '../machines/types.ts';
import { applyQueuedEvent, claimAndApply, failUnrestorableAfter } from './claim.ts';
import type { EngineDeps } from './engine.ts';
import type { RunRestoreError } from './restore.ts';
import { Poller, WakeUp } from './poller.ts';

export interface TimerFilter {
  run_id: number;
  name: string;
}

/** Fires every timer due now (or only the one named); returns how many fired. */
export async function fireDueTimers(deps: EngineDeps, opts: { max?: number; only?: TimerFilter } = {}): Promise<number> {
  const fired = await claimAndApply<{ timer: TimerRow<DisputeEvent>; now: Date }, RunRestoreError | undefined>(
    deps.sql,
    {
      async claim(tx) {
        const now = deps.clock.now();
        const timer = await claimDueTimer<DisputeEvent>(tx, now, opts.only);
        return timer && { timer, now };
      },
      async apply(tx, { timer, now }) {
        // An event that carries its time says when it fired, not when it was set.
        const event: DisputeEvent = 'at' in timer.event ? Object.assign({}, timer.event, { at: now.toISOString() }) : timer.event;
        // Deleted first: the event may set a timer of the same name again (the next retry), which must stay. Sent
        // ahead of the event's statements without waiting (one round trip), and the event's COMMIT goes with its save.
        const deleted = deleteFiredTimer(tx, timer.id);
        deleted.catch(() => {}); // seen where it is awaited; not unhandled if the event fails first
        const unrestorable = await applyQueuedEvent(deps, tx, timer.run_id, event, {});
        await deleted;
        return unrestorable;
      },
      async afterCommit({ timer }, unrestorable) {
        await failUnrestorableAfter(deps, timer.run_id, unrestorable);
        return unrestorable;
      },
    },
    opts.max ?? 1000,
  );
  return fired.length;
}

export function timerScheduler(deps: EngineDeps, opts: { pollMs?: number; workers?: number; onError?: (err: unknown) => void } = {}): Poller {
  // An idle poll is one indexed read of the earliest due time, no transaction. A timer due before the next
  // poll gets a wake-up of its own at its due time, so a timer fires when it falls due, not up to a poll
  // later (the shortest timer, a 3 s retry, is set in the future, never due at commit).
  // Several claim loops side by side (each timer is claimed with SKIP LOCKED): when many timers fall due
  // together (approval windows opened in the same minute), the last fires a few times sooner. The loops
  // start only once the earliest due time has come.
  const workers = opts.workers ?? SCHEDULER_WORKERS;
  const pollMs = opts.pollMs ?? 1000;
  const wakeUp = new WakeUp(() => poller.kick());
  const drain = async () => {
    const due = await nextTimerDue(deps.sql);
    if (due === null) return 0;
    if (wakeUp.until(due, deps.clock.now(), pollMs)) return 0;
    const fired = await Promise.all(Array.from({ length: workers }, () => fireDueTimers(deps)));
    return fired.reduce((a, b) => a + b, 0);
  };
  const poller = new Poller(deps.sql, null, drain, pollMs, opts.onError);
  return poller;
}

/** Claim loops per scheduler: enough to use both cores of a small machine, few enough to leave the pool room. */
export const SCHEDULER_WORKERS = 3;
