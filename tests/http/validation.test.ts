// Bad input gets a clear 4xx naming the field, and writes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;
const good = { email_uuid: 'v-1', reason_text: 'invoice INV-004143 price is wrong', customer_id: 1002 };

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql, { bodyLimitKb: 4 });
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

async function writes(): Promise<number> {
  const [r] = await db.sql`SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM proposed_actions) + (SELECT count(*) FROM run_journal) AS n`;
  return Number(r!.n);
}
let before = 0;
beforeEach(async () => {
  before = await writes();
});

async function expectError(res: Response, status: number, code: string, field?: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string; details?: { field: string }[] } };
  expect(body.error.code).toBe(code);
  if (field) expect(body.error.details?.map((d) => d.field)).toContain(field);
  expect(await writes()).toBe(before);
  return body.error;
}

describe('triage webhook rejects', () => {
  it('a missing, malformed or wrong signature with 401', async () => {
    await expectError(await srv.triage(good, { signature: null }), 401, 'unauthorized');
    await expectError(await srv.triage(good, { signature: 'md5=abc' }), 401, 'unauthorized');
    const e = await expectError(await srv.triage(good, { secret: 'another-secret-entirely-000' }), 401, 'unauthorized');
    expect(e.message).not.toContain('test-webhook-secret');
  });

  it('a body signed for other bytes (tampered) with 401', async () => {
    const { sign } = await import('../../server/auth.ts');
    const sig = sign('test-webhook-secret-0123456789', JSON.stringify(good));
    await expectError(await srv.triage(null, { raw: JSON.stringify({ ...good, customer_id: 1003 }), signature: sig }), 401, 'unauthorized');
  });

  it('a missing required field, a wrong type and an unknown field with 400 naming the field', async () => {
    await expectError(await srv.triage({ email_uuid: 'v-2' }), 400, 'invalid_request', 'reason_text');
    await expectError(await srv.triage({ ...good, customer_id: 'acme' }), 400, 'invalid_request', 'customer_id');
    const e = await expectError(await srv.triage({ ...good, priority: 'high' }), 400, 'invalid_request', 'body');
    expect(e.message).toMatch(/unknown field\(s\): priority/);
    await expectError(await srv.triage({ ...good, email: { from: 'a@b.c', subject: 's', body: 'b', cc: 'x' } }), 400, 'invalid_request', 'email');
    await expectError(await srv.triage({ ...good, email: { from: 'a@b.c', subject: 's' } }), 400, 'invalid_request', 'email.body');
  });

  it('invalid JSON with 400 and a body over the limit with 413', async () => {
    await expectError(await srv.triage(null, { raw: '{"email_uuid": ' }), 400, 'invalid_request', 'body');
    await expectError(await srv.triage({ ...good, reason_text: 'x'.repeat(8000) }), 413, 'body_too_large');
  });
});

describe('approver API rejects', () => {
  it('reads and decisions without a valid bearer token with 401', async () => {
    await expectError(await srv.api('GET', '/runs', undefined, null), 401, 'unauthorized');
    await expectError(await srv.api('GET', '/proposed-actions?status=pending', undefined, 'wrong-token-wrong-token'), 401, 'unauthorized');
    await expectError(await srv.api('POST', '/runs', good, null), 401, 'unauthorized');
    await expectError(await srv.api('POST', '/proposed-actions/1/approve', {}, null), 401, 'unauthorized');
  });

  it('unknown ids with 404 and bad ids or queries with 400', async () => {
    await expectError(await srv.api('GET', '/runs/999999'), 404, 'not_found');
    await expectError(await srv.api('GET', '/runs/abc'), 400, 'invalid_request', 'id');
    await expectError(await srv.api('POST', '/proposed-actions/999999/approve', {}), 404, 'not_found');
    await expectError(await srv.api('GET', '/runs?status=sleeping'), 400, 'invalid_request', 'status');
    await expectError(await srv.api('POST', '/proposed-actions/1/approve', { note: 'x', extra: 1 }), 400, 'invalid_request', 'body');
  });

  it('answers health and readiness without credentials', async () => {
    expect((await srv.api('GET', '/healthz', undefined, null)).status).toBe(200);
    const ready = await srv.api('GET', '/readyz', undefined, null);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'reachable' });
  });
});

describe('manual invoke', () => {
  it('starts a run as the approver, recorded as invoked by them', async () => {
    const res = await srv.api('POST', '/runs', { ...good, email_uuid: 'manual-1' });
    expect(res.status).toBe(202);
    const { run_id } = (await res.json()) as { run_id: number };
    const run = (await (await srv.api('GET', `/runs/${run_id}`)).json()) as { invoked_by: string; status: string };
    expect(run).toMatchObject({ invoked_by: 'mike', status: 'awaiting_approval' });
  });
});
