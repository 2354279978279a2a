// The schedulers. The timer scheduler runs several claim loops side by side (SCHEDULER_WORKERS): when many
// approval windows close at once, each one still expires its run exactly once (one APPROVAL_EXPIRED in each
// journal, every timer gone, every envelope expired); a timer due before the next poll is fired by a wake-up
// at its due time. The verify scheduler drains due checks with several loops, each check recorded once.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun, type EngineDeps } from '../../runtime/engine.ts';
import { WakeUp } from '../../runtime/poller.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { SCHEDULER_WORKERS, timerScheduler } from '../../runtime/timers.ts';
import { verifyScheduler, verifyWorkers } from '../../runtime/verify.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('timer scheduler', () => {
  it('expires each of 24 runs whose windows close together exactly once, with several claim loops', async () => {
    expect(SCHEDULER_WORKERS).toBeGreaterThan(1);
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const deps: EngineDeps = { sql: db.sql, clock, effects: effectRegistry() };
    const ids: number[] = [];
    for (let i = 0; i < 24; i++) {
      const body = triageFor((e) => e.expected.customer_id === 1002, `sched-${i}`);
      ids.push((await startRun(deps, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' })).run.id);
    }
    clock.advance(8 * 24 * 3_600_000); // past every approval window
    const errors: unknown[] = [];
    const scheduler = timerScheduler(deps, { pollMs: 50, onError: (e) => errors.push(e) });
    await scheduler.start();
    try {
      for (let i = 0; i < 200; i++) {
        const [row] = await db.sql<{ left: number }[]>`SELECT count(*)::int AS left FROM timers WHERE run_id IN ${db.sql(ids)}`;
        const left = row?.left;
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await scheduler.stop();
    }
    expect(errors).toEqual([]);
    const rows = await db.sql<{ run_id: number; n: number; status: string }[]>`
      SELECT r.id AS run_id, r.status, (SELECT count(*)::int FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'APPROVAL_EXPIRED') AS n
      FROM runs r WHERE r.id IN ${db.sql(ids)} ORDER BY r.id`;
    expect(rows).toEqual(ids.map((id) => ({ run_id: id, n: 1, status: 'expired' })));
    const [row] = await db.sql<{ pending: number }[]>`SELECT count(*)::int AS pending FROM proposed_actions WHERE run_id IN ${db.sql(ids)} AND status = 'pending'`;
    expect(row?.pending).toBe(0);
  });
});

/** Polls until `done` answers true (at most ~10 s). */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await done()); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('wake-ups', () => {
  it('arms a wake-up only for a due time before the next poll, and kicks once at it', () => {
    vi.useFakeTimers();
    try {
      const kick = vi.fn();
      const w = new WakeUp(kick);
      const now = new Date('2026-11-20T10:00:00Z');
      expect(w.until(new Date(now.getTime() - 1), now, 1000)).toBe(false); // already due: the caller works now
      expect(w.until(now, now, 1000)).toBe(false);
      expect(w.until(new Date(now.getTime() + 5000), now, 1000)).toBe(true); // after the next poll: not armed
      vi.advanceTimersByTime(10_000);
      expect(kick).not.toHaveBeenCalled();
      expect(w.until(new Date(now.getTime() + 300), now, 1000)).toBe(true);
      expect(w.until(new Date(now.getTime() + 200), now, 1000)).toBe(true); // re-armed for the sooner one
      vi.advanceTimersByTime(199);
      expect(kick).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(kick).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(1000);
      expect(kick).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fires a timer that falls due between polls without waiting for the next poll', async () => {
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const deps: EngineDeps = { sql: db.sql, clock, effects: effectRegistry() };
    const body = triageFor((e) => e.expected.customer_id === 1002, 'wake-1');
    const { run } = await startRun(deps, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
    const [timer] = await db.sql<{ due_at: Date }[]>`SELECT due_at FROM timers WHERE run_id = ${run.id}`;
    // Every other timer of this database is due later than this one: the scheduler's earliest is ours.
    await db.sql`UPDATE timers SET due_at = due_at + interval '30 days' WHERE run_id <> ${run.id}`;
    clock.set(new Date(timer!.due_at.getTime() - 300)); // due 300 ms from "now"
    const errors: unknown[] = [];
    // A poll a minute apart: only the wake-up can fire the timer within the test.
    const scheduler = timerScheduler(deps, { pollMs: 60_000, onError: (e) => errors.push(e) });
    await scheduler.start();
    try {
      await new Promise((r) => setTimeout(r, 100)); // the first poll has armed the wake-up
      clock.advance(300);
      await until(async () => (await db.sql`SELECT 1 FROM timers WHERE run_id = ${run.id}`).length === 0);
    } finally {
      await scheduler.stop();
    }
    expect(errors).toEqual([]);
    const [r] = await db.sql<{ status: string }[]>`SELECT status FROM runs WHERE id = ${run.id}`;
    expect(r?.status).toBe('expired');
  });
});

describe('verify scheduler', () => {
  it('keeps its claim loops below half the pool', () => {
    expect(verifyWorkers(2)).toBe(1);
    expect(verifyWorkers(6)).toBe(2);
    expect(verifyWorkers(10)).toBe(Math.min(SCHEDULER_WORKERS, 4));
  });

  it('checks each of 16 runs due together exactly once, with several claim loops, and completes them', async () => {
    const clock = new ManualClock('2026-11-21T10:00:30Z');
    const deps: EngineDeps = { sql: db.sql, clock, effects: effectRegistry() };
    const ids: number[] = [];
    for (let i = 0; i < 16; i++) {
      const body = triageFor((e) => e.expected.customer_id === 1002, `verify-sched-${i}`);
      const { run } = await startRun(deps, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
      const [envelope] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
      await applyEvent(deps, run.id, { type: 'APPROVE', action_id: envelope!.id, by: 'mike', note: null, at: clock.now().toISOString() });
      ids.push(run.id);
    }
    clock.advance(60_000); // past every check's window and the next fire time of the schedule (every minute)
    const errors: unknown[] = [];
    const scheduler = verifyScheduler(deps, '* * * * *', (e) => errors.push(e), { tickMs: 50, workers: 3 });
    // The schedule's next fire time is taken at creation: move past it so that the first tick runs the checks.
    clock.advance(60_000);
    await scheduler.start();
    try {
      await until(async () => (await db.sql`SELECT 1 FROM workflow_verify_results WHERE run_id IN ${db.sql(ids)} AND status = 'pending'`).length === 0);
    } finally {
      await scheduler.stop();
    }
    expect(errors).toEqual([]);
    const rows = await db.sql<{ status: string; results: number; checks: number }[]>`
      SELECT r.status,
        (SELECT count(*)::int FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'VERIFY_RESULT') AS results,
        (SELECT count(*)::int FROM workflow_verify_results v WHERE v.run_id = r.id) AS checks
      FROM runs r WHERE r.id IN ${db.sql(ids)} ORDER BY r.id`;
    expect(rows.length).toBe(16);
    for (const row of rows) expect(row).toEqual({ status: 'completed', results: row.checks, checks: expect.any(Number) });
    expect(rows.every((r) => r.checks >= 1)).toBe(true);
  });
});
