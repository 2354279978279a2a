// A precondition configured with severity block (PRECONDITION_SEVERITY=invoice_exists=block) ends the run
// `blocked` with nothing staged; the same dispute with the contract's warn severity waits for approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
let blocking: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  blocking = await startTestServer(db.sql, { preconditionSeverity: { invoice_exists: 'block' } });
});
afterAll(async () => {
  await blocking.close();
  await db.drop();
});

describe('block-severity precondition', () => {
  it('ends the run blocked, stages nothing and sets no timer, when the cited invoice does not exist', async () => {
    const res = await blocking.triage(triageFor((e) => e.expected.customer_id === 1016, 'blocked-1'));
    expect(res.status).toBe(202);
    const { run_id, status } = (await res.json()) as { run_id: number; status: string };
    expect(status).toBe('blocked');
    const run = (await (await blocking.api('GET', `/runs/${run_id}`)).json()) as any;
    expect(run.state).toBe('blocked');
    expect(run.warnings).toContainEqual(expect.objectContaining({ check: 'invoice_exists', severity: 'block' }));
    expect(run.proposed_actions).toEqual([]);
    expect(run.timers).toEqual([]);
    expect(run.journal.at(-1)).toMatchObject({ event: { type: 'CONTEXT_LOADED' }, state_after: 'blocked', effects: [{ type: 'postRun', params: { outcome: 'blocked' } }] });
    expect(run.run_log).toMatchObject({ status: 'blocked', steps_total: 3, steps_succeeded: 0, steps_skipped: 3 });
    expect(run.reflexion.narrative).toMatch(/Blocked before anything was staged: invoice INV-004443 was not found/);
    expect(run.ledger_events).toEqual([expect.objectContaining({ event_type: 'workflow.blocked' })]);
  });

  it('lets a dispute whose invoice exists through to approval', async () => {
    const res = await blocking.triage(triageFor((e) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC', 'blocked-2'));
    expect(((await res.json()) as { status: string }).status).toBe('awaiting_approval');
  });
});
