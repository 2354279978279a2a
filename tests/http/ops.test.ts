// Operations over HTTP: verify checks on demand, alerts, and the run page's timers and attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, retryDelayMs } from '../../machines/contract.ts';
import { runStep } from '../../steps/fanout.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { fireDueTimers } from '../../runtime/timers.ts';

let db: TestDatabase;
let srv: TestServer;
let failEscalation = false;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql, {
    effects: {
      runStep: async (c, p) => {
        if (failEscalation && p.step === 'escalate') await c.tx`SELECT 1 / 0`; // a real error from PostgreSQL
        return runStep(c, p);
      },
    },
  });
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

async function approvedRun(uuid: string) {
  const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1002, uuid));
  const { run_id } = (await res.json()) as { run_id: number };
  const run = (await (await srv.api('GET', `/runs/${run_id}`)).json()) as any;
  expect(run.timers).toEqual([expect.objectContaining({ name: 'approval_window' })]);
  await srv.api('POST', `/proposed-actions/${run.proposed_actions[0].id}/approve`, {});
  return run_id;
}

describe('operations', () => {
  it('runs due verify checks on demand with the approver token', async () => {
    const runId = await approvedRun('ops-1');
    const early = await srv.api('POST', '/admin/verify/run', {});
    expect(await early.json()).toEqual({ checked: 0, results: [] });
    srv.clock.advance(30_000);
    expect((await srv.api('POST', '/admin/verify/run', {}, null)).status).toBe(401);
    const res = await srv.api('POST', '/admin/verify/run', {});
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ checked: 1, results: [{ run_id: runId, check_name: 'response_drafted', result: 'pass' }] });
    const run = (await (await srv.api('GET', `/runs/${runId}`)).json()) as any;
    expect(run.status).toBe('completed');
    expect(run.verify_results).toMatchObject([{ check_name: 'response_drafted', status: 'pass' }]);
  });

  it('shows the retry timer and attempts on the run page, then lists the alert', async () => {
    failEscalation = true;
    try {
      const runId = await approvedRun('ops-2');
      let run = (await (await srv.api('GET', `/runs/${runId}`)).json()) as any;
      expect(run.status).toBe('running');
      expect(run.state).toEqual({ fanOut: { draftResponse: 'succeeded', escalate: 'retrying', arHoldDecision: 'skipped' } });
      expect(run.timers).toEqual([expect.objectContaining({ name: 'retry:escalate', event: { type: 'RETRY_STEP', step: 'escalate' } })]);
      expect(run.steps.escalate).toMatchObject({ status: 'waiting_retry', attempts: 1, errors: [expect.stringMatching(/22012.*division by zero/)] });
      srv.clock.advance(retryDelayMs(CONTRACT.retry_policy, 1));
      await fireDueTimers({ sql: db.sql, clock: srv.clock, effects: srv.effects });
      run = (await (await srv.api('GET', `/runs/${runId}`)).json()) as any;
      expect(run.status).toBe('verifying');
      expect(run.steps.escalate).toMatchObject({ status: 'failed', attempts: CONTRACT.retry_policy.max_attempts });
      const alerts = (await (await srv.api('GET', `/alerts?run_id=${runId}`)).json()) as any;
      expect(alerts.items).toEqual([expect.objectContaining({ run_id: runId, step: 'escalate', kind: 'step_failed' })]);
    } finally {
      failEscalation = false;
    }
  });

  it('answers 409 to an approval of a run that cannot be restored, and shows the run failed with an alert', async () => {
    const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1002, 'ops-3'));
    const { run_id } = (await res.json()) as { run_id: number };
    const [envelope] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run_id} AND step = 'approval'`;
    await db.sql`UPDATE runs SET snapshot = jsonb_set(snapshot, '{value}', '"gone"') WHERE id = ${run_id}`;
    const approve = await srv.api('POST', `/proposed-actions/${envelope!.id}/approve`, {});
    expect(approve.status).toBe(409);
    expect(await approve.json()).toMatchObject({ error: { details: { run_status: 'failed' } } });
    const run = (await (await srv.api('GET', `/runs/${run_id}`)).json()) as any;
    expect(run.status).toBe('failed');
    const alerts = (await (await srv.api('GET', `/alerts?run_id=${run_id}`)).json()) as any;
    expect(alerts.items).toEqual([expect.objectContaining({ run_id, kind: 'restore_failed' })]);
  });
});
