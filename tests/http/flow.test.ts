// End to end over real HTTP against a real database: triage → awaiting approval → approve → verifying.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
let srv: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

async function runOf(id: number) {
  const res = await srv.api('GET', `/runs/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

async function triageAndApprove(body: ReturnType<typeof triageFor>) {
  const res = await srv.triage(body);
  expect(res.status).toBe(202);
  const started = (await res.json()) as { run_id: number; status: string; state: unknown };
  expect(started.status).toBe('awaiting_approval');
  expect(started.state).toBe('awaitingApproval');
  const before = await runOf(started.run_id);
  expect(before.proposed_actions.map((p: any) => [p.action_type, p.status])).toEqual([['workflow_customer_invoice_dispute', 'pending']]);
  const envelope = before.proposed_actions[0];
  const ok = await srv.api('POST', `/proposed-actions/${envelope.id}/approve`, { note: 'go ahead' });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ id: envelope.id, status: 'approved', decided_by: 'mike', decision_note: 'go ahead' });
  return { runId: started.run_id, envelope, before, after: await runOf(started.run_id) };
}

async function count(table: string, runId: number): Promise<number> {
  const [r] = await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${table} WHERE run_id = $1`, [runId]);
  return r!.n;
}

describe('dispute run over HTTP', () => {
  it('takes a dispute with fewer than two open disputes from triage to verifying, without an AR hold review', async () => {
    const { runId, envelope, after } = await triageAndApprove(triageFor((e) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC'));
    expect(envelope.entity_ref).toBe(`workflow:customer_invoice_dispute:run_${runId}`);
    expect(envelope.payload).toMatchObject({ customer: { id: 1002 }, invoice_ref: 'INV-004143', invoice: { tranid: 'INV-004143' }, prior_disputes: 0 });
    expect(after.status).toBe('verifying');
    expect(after.proposed_actions.map((p: any) => p.action_type).sort()).toEqual(['customer_email', 'customer_escalation', 'workflow_customer_invoice_dispute']);
    const email = after.proposed_actions.find((p: any) => p.action_type === 'customer_email');
    expect(email.payload.subject).toMatch(/INV-004143/);
    expect(email.payload.body).toMatch(/INV-004143/);
    expect(after.steps.arHoldDecision.status).toBe('skipped');
    expect(await count('workflow_run_log', runId)).toBe(1);
    expect(await count('reflexion_log', runId)).toBe(1);
    expect(await count('workflow_verify_results', runId)).toBe(1);
    const [log] = await db.sql`SELECT status, steps_total, steps_succeeded, steps_skipped FROM workflow_run_log WHERE run_id = ${runId}`;
    expect(log).toEqual({ status: 'completed', steps_total: 3, steps_succeeded: 2, steps_skipped: 1 });
    const [refl] = await db.sql`SELECT tags, narrative FROM reflexion_log WHERE run_id = ${runId}`;
    expect(refl!.tags).toEqual(['customer_invoice_dispute', 'customer:1002']);
    expect(refl!.narrative).toMatch(/Bluewater Marine/);
    const ledger = await db.sql`SELECT event_type, idempotency_key FROM event_ledger WHERE run_id = ${runId}`;
    expect(ledger).toEqual([{ event_type: 'workflow.completed', idempotency_key: `customer_invoice_dispute:run_${runId}:outcome` }]);
    const [verify] = await db.sql`SELECT check_name, status FROM workflow_verify_results WHERE run_id = ${runId}`;
    expect(verify).toEqual({ check_name: 'response_drafted', status: 'pending' });
    expect(after.journal.map((j: any) => j.event.type)).toEqual([
      'xstate.init', 'EXTRACTED', 'CONTEXT_LOADED', 'APPROVAL_STAGED', 'APPROVE', 'STEP_SUCCEEDED', 'STEP_SUCCEEDED',
    ]);
  });

  it('stages an AR hold review with a recommendation when the customer has two or more open disputes', async () => {
    const { runId, after } = await triageAndApprove(triageFor((e) => e.expected.customer_id === 1003));
    expect(after.context.prior_disputes).toBe(2);
    const hold = after.proposed_actions.find((p: any) => p.action_type === 'ar_hold_review');
    expect(hold).toMatchObject({ entity_type: 'workflow_run', entity_ref: `workflow_run:${runId}`, status: 'pending' });
    expect(['hold', 'continue']).toContain(hold.payload.recommendation);
    expect(hold.payload.reasons.length).toBeGreaterThan(0);
    const [log] = await db.sql`SELECT steps_succeeded, steps_skipped FROM workflow_run_log WHERE run_id = ${runId}`;
    expect(log).toEqual({ steps_succeeded: 3, steps_skipped: 0 });
  });

  it('warns the approver, and continues, when the cited invoice is not in the mirror', async () => {
    const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1016));
    const { run_id } = (await res.json()) as { run_id: number };
    const run = await runOf(run_id);
    expect(run.status).toBe('awaiting_approval');
    expect(run.warnings).toContainEqual(expect.objectContaining({ check: 'invoice_exists', severity: 'warn' }));
    expect(run.proposed_actions[0].payload.warnings).toContainEqual(expect.objectContaining({ check: 'invoice_exists' }));
  });

  it('ends a rejected run with the reason recorded and nothing fanned out', async () => {
    const res = await srv.triage(triageFor((e) => e.expected.reason_code === 'DMG'));
    const { run_id } = (await res.json()) as { run_id: number };
    const envelope = (await runOf(run_id)).proposed_actions[0];
    const missing = await srv.api('POST', `/proposed-actions/${envelope.id}/reject`, {});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.details[0].field).toBe('reason');
    const rej = await srv.api('POST', `/proposed-actions/${envelope.id}/reject`, { reason: 'customer withdrew' });
    expect(rej.status).toBe(200);
    const run = await runOf(run_id);
    expect(run.status).toBe('rejected');
    expect(run.proposed_actions.map((p: any) => p.status)).toEqual(['rejected']);
    expect(run.approval_decisions).toMatchObject([{ decision: 'rejected', decided_by: 'mike', note: 'customer withdrew' }]);
    expect(run.run_log).toMatchObject({ status: 'rejected', steps_succeeded: 0, steps_skipped: 3 });
    expect(run.reflexion.narrative).toMatch(/Rejected by mike with the note "customer withdrew"; nothing was done/);
    expect(run.ledger_events.map((e: any) => e.event_type)).toEqual(['workflow.rejected']);
    const again = await srv.api('POST', `/proposed-actions/${envelope.id}/approve`, {});
    expect(again.status).toBe(409);
    // The run's state refused the event inside its transaction: the answer says why, and nothing was written.
    expect(await again.json()).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(/already rejected; run \d+ is rejected/), details: { status: 'rejected', run_status: 'rejected' } } });
    expect(await db.sql`SELECT decision FROM approval_decisions WHERE proposed_action_id = ${envelope.id}`).toEqual([{ decision: 'rejected' }]);
  });

  it('returns the same run for a redelivered triage event, also when redelivered concurrently', async () => {
    const body = triageFor((e) => e.expected.reason_code === 'NRC', 'redelivery-1');
    const [a, b, c] = await Promise.all([srv.triage(body), srv.triage(body), srv.triage(body)]);
    const statuses = [a!.status, b!.status, c!.status].sort();
    expect(statuses).toEqual([200, 200, 202]);
    const ids = new Set(await Promise.all([a, b, c].map(async (r) => ((await r!.json()) as { run_id: number }).run_id)));
    expect(ids.size).toBe(1);
    const [n] = await db.sql`SELECT count(*)::int AS n FROM runs WHERE email_uuid = 'redelivery-1'`;
    expect(n!.n).toBe(1);
    const [p] = await db.sql`SELECT count(*)::int AS n FROM proposed_actions WHERE run_id = ${[...ids][0]!}`;
    expect(p!.n).toBe(1);
  });

  it('lets exactly one of two concurrent approvals win; the other gets 409', async () => {
    const res = await srv.triage(triageFor((e) => e.expected.reason_code === 'TAX', 'concurrent-approve'));
    const { run_id } = (await res.json()) as { run_id: number };
    const envelope = (await runOf(run_id)).proposed_actions[0];
    const [a, b] = await Promise.all([
      srv.api('POST', `/proposed-actions/${envelope.id}/approve`, { note: 'first' }),
      srv.api('POST', `/proposed-actions/${envelope.id}/approve`, { note: 'second' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(((await loser.json()) as any).error.code).toBe('conflict');
    const decisions = await db.sql`SELECT decision FROM approval_decisions WHERE proposed_action_id = ${envelope.id}`;
    expect(decisions).toHaveLength(1);
    expect(await count('workflow_run_log', run_id)).toBe(1);
  });
});

describe('what the API shows of a dispute read from a sample email', () => {
  it('exposes the extraction, the drafted reply, the escalation and the hold recommendation', async () => {
    const { runId, after } = await triageAndApprove(triageFor((e) => e.expected.customer_id === 1009 && e.expected.reason_code === 'DMG', 'show-extraction'));
    expect(after.extraction).toMatchObject({
      invoice_ref: 'INV-004300', customer_id: 1009, reason_code: 'DMG', disputed_amount: 3792, po_number: 'PO-16952',
      secondary_reasons: expect.any(Array), payment_refs: expect.any(Array),
      confidence: expect.objectContaining({ invoice_ref: expect.any(Number), reason_code: expect.any(Number) }),
      evidence: expect.objectContaining({ reason_code: expect.any(String) }),
    });
    const byType = Object.fromEntries(after.proposed_actions.map((p: any) => [p.action_type, p]));
    expect(byType.customer_email.payload.body).toMatch(/INV-004300/);
    expect(byType.customer_email.payload.to).toMatch(/@/);
    expect(byType.customer_escalation.payload).toMatchObject({ queue: 'sales_rep', department: 'shipping', to: { email: expect.stringMatching(/@northwind-supply\.example$/) } });
    expect(byType.ar_hold_review.payload).toMatchObject({ customer_id: 1009, prior_disputes: 2, recommendation: expect.stringMatching(/^(hold|continue)$/) });
    expect(runId).toBeGreaterThan(0);
  });
});

describe('deciding the proposals the fan-out staged', () => {
  it('records the approver decision on a drafted reply, once; the run is not moved by it', async () => {
    const { runId, after } = await triageAndApprove(triageFor((e) => e.expected.reason_code === 'FRT', 'downstream-1'));
    const draft = after.proposed_actions.find((p: any) => p.action_type === 'customer_email');
    const ok = await srv.api('POST', `/proposed-actions/${draft.id}/approve`, { note: 'send as written' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: draft.id, status: 'approved', decided_by: 'mike', decision_note: 'send as written' });
    const again = await srv.api('POST', `/proposed-actions/${draft.id}/reject`, { reason: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'conflict', message: `proposed action ${draft.id} is already approved`, details: { status: 'approved' } } });
    const [decision] = await db.sql`SELECT decision, decided_by, shown_sha256 FROM approval_decisions WHERE proposed_action_id = ${draft.id}`;
    // the hash of the draft as the approver was shown it (its ETag on the run's page), recorded with the decision
    expect(decision).toMatchObject({ decision: 'approved', decided_by: 'mike', shown_sha256: draft.etag });
    expect(draft.etag).toMatch(/^[0-9a-f]{64}$/);
    expect((await runOf(runId)).status).toBe('verifying');
  });
});
