// A verify check that could not run because the database went away under it (stopped, restarting, its
// session ended) has no result: nothing is recorded, the check stays pending and runs again. Only the
// check's own error or timeout is the `timeout` result (tests/runtime/engine.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT } from '../../machines/contract.ts';
import { isDatabaseUnavailable } from '../../persistence/connect.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('a verify check during an outage', () => {
  it('whose own session the database ends records nothing; the check runs again later', async () => {
    const d = { sql: db.sql, clock: new ManualClock('2026-11-20T10:00:00Z'), effects: effectRegistry() };
    const { run } = await startRun(d, { ...triageFor((e) => e.expected.customer_id === 1002, 'outage-1'), customer_id: null, invoice_ref: null, invoked_by: 'test' });
    const [envelope] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
    await applyEvent(d, run.id, { type: 'APPROVE', action_id: envelope!.id, by: 'mike', note: null, at: d.clock.now().toISOString() });
    // The check's session is ended while it runs, as a restart or an administrator would end it.
    await db.sql`UPDATE workflow_verify_results
      SET sql_check = 'SELECT pg_terminate_backend(pg_backend_pid()) WHERE $1::bigint > 0 AND $2::timestamptz IS NOT NULL'
      WHERE run_id = ${run.id}`;
    d.clock.advance(31_000);
    const err = await runDueChecks(d).then(() => null, (e: unknown) => e);
    expect(isDatabaseUnavailable(err), `runDueChecks failed with ${String(err)}`).toBe(true);
    const state = () => db.sql`
      SELECT r.status, v.status AS check,
        (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'VERIFY_RESULT')::int AS results
      FROM runs r JOIN workflow_verify_results v ON v.run_id = r.id WHERE r.id = ${run.id}`;
    expect(await state()).toEqual([{ status: 'verifying', check: 'pending', results: 0 }]);

    // Once the database answers again, the check runs and counts once.
    await db.sql`UPDATE workflow_verify_results SET sql_check = ${CONTRACT.verify_checks[0]!.sql_check} WHERE run_id = ${run.id}`;
    expect(await runDueChecks(d)).toEqual([expect.objectContaining({ run_id: run.id, result: 'pass' })]);
    expect(await state()).toEqual([{ status: 'completed', check: 'pass', results: 1 }]);
  });
});
