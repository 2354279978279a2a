// Decisions bound to what was shown, at the HTTP level: a stale If-Match is a 412 carrying the current
// proposal and writes nothing (on the envelope, with corrections, and on a drafted reply, with edits); a
// malformed one is a 400; the right one (also weak, or *) goes through. And the corrections come back as the
// values the approver and the reader had, typed as JSON (a string, a number, null), in GET /runs/:id and in
// the corrections export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

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

const STALE = `"${'0'.repeat(64)}"`;

async function post(path: string, body: unknown, ifMatch?: string) {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
  if (ifMatch !== undefined) headers['if-match'] = ifMatch;
  const res = await fetch(`${srv.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as any };
}

async function get(path: string) {
  const res = await srv.api('GET', path);
  expect(res.status).toBe(200);
  return { etag: res.headers.get('etag'), body: (await res.json()) as any };
}

async function startRun(pred: Parameters<typeof triageFor>[0], uuid: string) {
  const res = await srv.triage(triageFor(pred, uuid));
  expect(res.status).toBe(202);
  const runId = ((await res.json()) as { run_id: number }).run_id;
  const { items } = (await get(`/proposed-actions?run_id=${runId}&status=pending`)).body;
  return { runId, envelope: items[0] as { id: number; etag: string } };
}

const counts = async (runId: number) => {
  const [row] = await db.sql<{ journal: number; decisions: number; corrections: number; outbox: number }[]>`
    SELECT (SELECT count(*)::int FROM run_journal WHERE run_id = ${runId}) AS journal,
           (SELECT count(*)::int FROM approval_decisions WHERE run_id = ${runId}) AS decisions,
           (SELECT count(*)::int FROM corrections WHERE run_id = ${runId}) AS corrections,
           (SELECT count(*)::int FROM outbox WHERE run_id = ${runId}) AS outbox`;
  return row!;
};

describe('If-Match on decisions', () => {
  it('answers 412 with the current proposal to a stale ETag on the envelope, and writes nothing, corrections or not', async () => {
    const { runId, envelope } = await startRun((e) => e.expected.customer_id === 1002, 'http-ifmatch-1');
    const shown = await get(`/proposed-actions/${envelope.id}`);
    expect(shown.etag).toBe(`"${envelope.etag}"`);
    const before = await counts(runId);

    for (const body of [{}, { note: 'ok', corrections: { reason_code: 'DMG' } }]) {
      const res = await post(`/proposed-actions/${envelope.id}/approve`, body, STALE);
      expect(res.status).toBe(412);
      expect(res.body.error).toMatchObject({ code: 'precondition_failed', details: [{ field: 'If-Match', message: `the current ETag is "${envelope.etag}"` }] });
      expect(res.body.proposed_action).toMatchObject({ id: envelope.id, status: 'pending', etag: envelope.etag, edits: null, delivery: null });
    }
    expect((await post(`/proposed-actions/${envelope.id}/reject`, { reason: 'no' }, STALE)).status).toBe(412);
    expect(await counts(runId)).toEqual(before);
    expect((await get(`/runs/${runId}`)).body).toMatchObject({ status: 'awaiting_approval', corrections: [] });

    // Not an ETag of this API: 400, nothing written either.
    const bad = await post(`/proposed-actions/${envelope.id}/approve`, {}, 'not-an-etag');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ field: 'If-Match', message: 'must be an ETag of this API or *' }]);
    expect(await counts(runId)).toEqual(before);

    // The ETag that was shown, among others and weak: approved.
    const ok = await post(`/proposed-actions/${envelope.id}/approve`, { corrections: { reason_code: 'DMG' } }, `${STALE}, W/"${envelope.etag}"`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: envelope.id, status: 'approved', decided_by: 'mike' });
    expect(ok.etag).toBe(`"${ok.body.etag}"`);
    expect((await get(`/runs/${runId}`)).body).toMatchObject({ status: 'verifying', corrections: [{ field: 'reason_code', from: 'PRC', to: 'DMG' }] });
  });

  it('answers 412 to a stale ETag on a drafted reply (no delivery queued), and takes the current one with edits', async () => {
    const { runId, envelope } = await startRun((e) => e.expected.customer_id === 1003, 'http-ifmatch-2');
    expect((await post(`/proposed-actions/${envelope.id}/approve`, {}, '*')).status).toBe(200);
    const { items } = (await get(`/proposed-actions?run_id=${runId}&action_type=customer_email`)).body;
    const reply = items[0] as { id: number; etag: string; payload: { body: string } };
    const before = await counts(runId);

    const stale = await post(`/proposed-actions/${reply.id}/approve`, { edits: { body: 'changed' } }, STALE);
    expect(stale.status).toBe(412);
    expect(stale.body.proposed_action).toMatchObject({ id: reply.id, status: 'pending', etag: reply.etag });
    expect(await counts(runId)).toEqual(before);

    const body = `${reply.payload.body}\nEdited.\n`;
    const ok = await post(`/proposed-actions/${reply.id}/approve`, { edits: { body } }, `"${reply.etag}"`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'approved', edits: { body }, delivery: { channel: 'email', status: 'queued', attempts: 0 } });
    expect(await counts(runId)).toMatchObject({ outbox: before.outbox + 1, decisions: before.decisions + 1, journal: before.journal + 1 });
  });
});

describe('corrections as data', () => {
  it('keeps what the reader found and what the approver set as JSON values: a code, a number, null', async () => {
    const { runId, envelope } = await startRun((e) => e.expected.customer_id === 1015 && e.expected.reason_code === 'OTH', 'http-corrections-1');
    expect((await get(`/runs/${runId}`)).body.extraction).toMatchObject({ reason_code: 'OTH', disputed_amount: null });
    const ok = await post(`/proposed-actions/${envelope.id}/approve`, { corrections: { reason_code: 'prc', disputed_amount: 250.456 } }, `"${envelope.etag}"`);
    expect(ok.status).toBe(200);

    const run = (await get(`/runs/${runId}`)).body;
    expect(run.corrections).toEqual([
      { field: 'reason_code', from: 'OTH', to: 'PRC', by: 'mike', at: expect.any(String), proposed_action_id: envelope.id },
      { field: 'disputed_amount', from: null, to: 250.46, by: 'mike', at: expect.any(String), proposed_action_id: envelope.id },
    ]);
    expect(run.extraction).toMatchObject({ reason_code: 'PRC', disputed_amount: 250.46 });

    const exported = (await get('/corrections?format=json')).body.items.find((i: any) => i.run_id === runId);
    expect(exported.corrections).toEqual({ reason_code: { from: 'OTH', to: 'PRC' }, disputed_amount: { from: null, to: 250.46 } });
    expect(exported.labels).toMatchObject({ reason_code: 'PRC', disputed_amount: 250.46, customer_id: 1015 });
  });
});
