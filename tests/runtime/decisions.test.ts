// A decision's answer is the proposal as decided: built from the view read before the decision and what the
// decision changed (persistence/proposals.ts, decidedProposal), it must equal the proposal read afresh after it,
// for the envelope and for downstream proposals, approved with edits (a delivery queued) or rejected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProposal } from '../../persistence/proposals.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { decideProposal, type DecisionDeps } from '../../runtime/decisions.ts';
import { startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('a decision answers the proposal as decided', () => {
  it('equal to the proposal read again after it: the envelope, a reply approved with edits, an escalation rejected', async () => {
    const d: DecisionDeps = {
      sql: db.sql, clock: new ManualClock('2026-11-20T10:00:00Z'), effects: effectRegistry(),
      carryOut: { mailFrom: 'ar@example.com', arQueueEmail: 'ar@example.com' },
    };
    const { run } = await startRun(d, { ...triageFor((e) => e.expected.customer_id === 1002, 'decided-1'), customer_id: null, invoice_ref: null, invoked_by: 'test' });
    const byStep = async () =>
      Object.fromEntries((await db.sql<{ id: number; step: string }[]>`SELECT id, step FROM proposed_actions WHERE run_id = ${run.id}`).map((p) => [p.step, p.id]));
    const envelope = await decideProposal(d, { id: (await byStep()).approval!, verb: 'approve', by: 'ana', note: 'looks right' });
    expect(envelope.status).toBe('approved');
    expect(envelope).toEqual(await getProposal(db.sql, envelope.id));

    const steps = await byStep();
    const reply = await decideProposal(d, { id: steps.draft_response!, verb: 'approve', by: 'ana', note: null, edits: { subject: 'Re: your invoice', body: 'We are on it.' } });
    expect([reply.status, reply.edits, reply.delivery?.status]).toEqual(['approved', { subject: 'Re: your invoice', body: 'We are on it.' }, 'queued']);
    expect(reply).toEqual(await getProposal(db.sql, reply.id));

    const escalation = await decideProposal(d, { id: steps.escalate!, verb: 'reject', by: 'ana', note: 'not needed' });
    expect([escalation.status, escalation.decision_note, escalation.delivery]).toEqual(['rejected', 'not needed', null]);
    expect(escalation).toEqual(await getProposal(db.sql, escalation.id));
  });
});
