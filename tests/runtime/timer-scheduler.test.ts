// The timer scheduler runs several claim loops side by side (SCHEDULER_WORKERS): when many approval windows
// close at once, each one still expires its run exactly once (one APPROVAL_EXPIRED in each journal, every
// timer gone, every envelope expired).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { startRun, type EngineDeps } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { SCHEDULER_WORKERS, timerScheduler } from '../../runtime/timers.ts';
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
