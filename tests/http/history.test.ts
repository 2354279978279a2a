// Memory over real HTTP and real PostgreSQL: a customer's earlier runs, driven through the API (approved and
// verified, rejected, approved with the reason corrected), come back in the next run's envelope as
// "history with this customer", newest first; the hold review and the reply draft follow the memory rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT } from '../../machines/contract.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
  // The sample account has an invoice long past due, which alone recommends a hold; settle it in this test's
  // mirror so that the recommendation turns on the memory rule.
  await db.sql`UPDATE transactions SET foreignamountunpaid = 0, foreignamountpaid = foreigntotal WHERE entity = 1017 AND duedate < '2026-11-01'`;
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

const DAY = 86_400_000;
const json = async (r: Response) => (await r.json()) as any;
/** Quarry Stone Supply (1017): a PAID claim ("paid by ACH") and two open disputes, so every approval stages a hold review. */
const PAID_1017 = (e: { expected: { customer_id: number | null; reason_code: string } }) => e.expected.customer_id === 1017 && e.expected.reason_code === 'PAID';
const PRC_1002 = (e: { expected: { customer_id: number | null; reason_code: string } }) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC';

async function start(uuid: string, pred: typeof PAID_1017 = PAID_1017) {
  const res = await srv.triage(triageFor(pred, uuid));
  expect(res.status).toBe(202);
  const { run_id } = await json(res);
  const list = await json(await srv.api('GET', `/proposed-actions?run_id=${run_id}&action_type=${CONTRACT.hitl.action_type}`));
  return { run_id: run_id as number, envelope: list.items[0] as { id: number; payload: any } };
}
const decide = async (id: number, verb: 'approve' | 'reject', body: unknown) => {
  const res = await srv.api('POST', `/proposed-actions/${id}/${verb}`, body);
  expect(res.status).toBe(200);
};
const proposalOf = async (runId: number, actionType: string) =>
  (await json(await srv.api('GET', `/proposed-actions?run_id=${runId}&action_type=${actionType}`))).items[0] as { payload: any };
const runOf = async (runId: number) => json(await srv.api('GET', `/runs/${runId}`));

describe('memory: the customer’s earlier runs in the next run', () => {
  const ids: Record<string, number> = {};
  const starts: Record<string, string> = {};

  it('carries the earlier runs, newest first, with decision, corrections, outcome and verify result', async () => {
    // A: approved as read, then verified.
    starts.a = srv.clock.now().toISOString();
    const a = await start('mem-a');
    expect(a.envelope.payload.history).toEqual([]);
    await decide(a.envelope.id, 'approve', { note: 'payment found' });
    srv.clock.advance(10 * 60_000);
    const checks = await runDueChecks({ sql: db.sql, clock: srv.clock, effects: srv.effects }, { only: { run_id: a.run_id } });
    expect(checks.length).toBeGreaterThan(0);
    ids.a = a.run_id;

    // Another customer's run, which must not appear.
    srv.clock.advance(DAY);
    const other = await start('mem-other', PRC_1002);
    await decide(other.envelope.id, 'reject', { reason: 'not ours' });

    // B: rejected.
    srv.clock.advance(DAY);
    starts.b = srv.clock.now().toISOString();
    const b = await start('mem-b');
    expect(b.envelope.payload.history.map((h: any) => h.run_id)).toEqual([a.run_id]);
    await decide(b.envelope.id, 'reject', { reason: 'no remittance on file for this ACH' });
    ids.b = b.run_id;

    // C: approved with the reason corrected from PAID to DSC.
    srv.clock.advance(DAY);
    starts.c = srv.clock.now().toISOString();
    const c = await start('mem-c');
    await decide(c.envelope.id, 'approve', { corrections: { reason_code: 'DSC' } });
    ids.c = c.run_id;
    // C's own hold review checked the rule on [B, A]: one of two PAID claims unsupported, so it does not fire (and nothing else argues for a hold here).
    const cReview = await proposalOf(c.run_id, 'ar_hold_review');
    expect(cReview.payload.recommendation).toBe('continue');
    expect(cReview.payload.reasons).toContain(
      "1 of the customer's last 2 decided PAID claims was unsupported (hold when the last 3 were all rejected or corrected to another reason)",
    );

    // D: its envelope shows C, B, A in that order, with the right fields.
    srv.clock.advance(DAY);
    const d = await start('mem-d');
    ids.d = d.run_id;
    const history = d.envelope.payload.history;
    const [runA, runC] = [await runOf(a.run_id), await runOf(c.run_id)];
    const worst = checks.some((x) => x.result === 'fail') ? 'fail' : checks.some((x) => x.result === 'timeout') ? 'timeout' : 'pass';
    expect(history).toEqual([
      {
        run_id: c.run_id, at: starts.c, invoice_ref: 'INV-004454', reason_code: 'DSC', decision: 'approved', decided_by: 'mike', note: null,
        corrections: [{ field: 'reason_code', from: 'PAID', to: 'DSC' }], outcome: 'completed', status: runC.status, verify: 'pending',
      },
      {
        run_id: b.run_id, at: starts.b, invoice_ref: 'INV-004454', reason_code: 'PAID', decision: 'rejected', decided_by: 'mike',
        note: 'no remittance on file for this ACH', corrections: [], outcome: 'rejected', status: 'rejected', verify: null,
      },
      {
        run_id: a.run_id, at: starts.a, invoice_ref: 'INV-004454', reason_code: 'PAID', decision: 'approved', decided_by: 'mike', note: 'payment found',
        corrections: [], outcome: 'completed', status: runA.status, verify: worst,
      },
    ]);
    expect(runC.status).toBe('verifying');
    expect(['completed', 'partial']).toContain(runA.status);
    // Compact: no mirror rows, no email bodies in the entries.
    expect(JSON.stringify(history)).not.toContain('ACH-943358');
    // The run's context carries the same history (the envelope is built from it).
    expect((await runOf(d.run_id)).context.loaded.history).toEqual(history);
  });

  it('holds when the last three PAID claims were unsupported, and the reply acknowledges the repeat', async () => {
    // D rejected: now D, C and B, the last three decided PAID claims, were all unsupported.
    const envelope = (await json(await srv.api('GET', `/proposed-actions?run_id=${ids.d}&action_type=${CONTRACT.hitl.action_type}`))).items[0];
    await decide(envelope.id, 'reject', { reason: 'duplicate of the earlier claim' });

    srv.clock.advance(DAY);
    const e = await start('mem-e');
    expect(e.envelope.payload.history.map((h: any) => [h.run_id, h.decision])).toEqual([
      [ids.d, 'rejected'], [ids.c, 'approved'], [ids.b, 'rejected'], [ids.a, 'approved'],
    ]);
    await decide(e.envelope.id, 'approve', {});
    const review = await proposalOf(e.run_id, 'ar_hold_review');
    expect(review.payload.recommendation).toBe('hold');
    const day = (id: number) => e.envelope.payload.history.find((h: any) => h.run_id === id).at.slice(0, 10);
    expect(review.payload.reasons[0]).toBe(
      `the customer's last 3 PAID claims were unsupported: run ${ids.d} of ${day(ids.d!)} (INV-004454) rejected; ` +
        `run ${ids.c} of ${day(ids.c!)} (INV-004454) corrected to DSC; run ${ids.b} of ${day(ids.b!)} (INV-004454) rejected`,
    );
    // The reply: the customer's PAID claim was accepted once before (run A).
    const reply = await proposalOf(e.run_id, 'customer_email');
    expect(reply.payload.body).toContain('You have raised the same issue (already paid) with us once before, on November 20, 2026 (invoice INV-004454).');
  });
});
