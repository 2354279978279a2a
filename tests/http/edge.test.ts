// The HTTP edge (issue 8): text PostgreSQL cannot hold, query values beyond what the database can hold,
// unsupported methods, the webhook's order of checks, and one run per email. Every rejection is a JSON error
// naming the field, and writes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '../../server/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { SECRET, startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;
const good = { email_uuid: 'edge-1', reason_text: 'invoice INV-004143 price is wrong', customer_id: 1002 };

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

async function writes(): Promise<number> {
  const [r] = await db.sql`SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM proposed_actions) + (SELECT count(*) FROM run_journal)
    + (SELECT count(*) FROM approval_decisions) + (SELECT count(*) FROM timers) AS n`;
  return Number(r!.n);
}
let before = 0;
beforeEach(async () => {
  before = await writes();
});

type ErrorBody = { error: { code: string; message: string; details?: { field: string; message: string }[] } };

async function expectError(res: Response, status: number, code: string, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  if (field) expect(body.error.details?.map((d) => d.field)).toContain(field);
  expect(await writes()).toBe(before);
  return body.error;
}

/** Posts exactly these bytes to the webhook, signed over exactly these bytes. */
const postBytes = (bytes: Buffer, path = '/webhooks/triage') =>
  fetch(`${srv.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, bytes), authorization: `Bearer ${TOKEN}` },
    body: new Uint8Array(bytes), // the same bytes, as the array type fetch's BodyInit names
  });

async function envelopeOf(emailUuid: string): Promise<number> {
  const res = await srv.triage({ ...good, email_uuid: emailUuid });
  expect(res.status).toBe(202);
  const { run_id } = (await res.json()) as { run_id: number };
  const list = (await (await srv.api('GET', `/proposed-actions?run_id=${run_id}`)).json()) as { items: { id: number }[] };
  return list.items[0]!.id;
}

describe('NUL and unpaired surrogates', () => {
  it('in a key or a reference (email_uuid, invoice_ref) are a 400 naming the field', async () => {
    const e = await expectError(await srv.triage({ ...good, invoice_ref: 'INV-004143\u0000' }), 400, 'invalid_request', 'invoice_ref');
    expect(e.message).toMatch(/NUL/);
    await expectError(await srv.triage({ ...good, invoice_ref: 'INV-\ud800' }), 400, 'invalid_request', 'invoice_ref');
    await expectError(await srv.triage({ ...good, email_uuid: 'edge-\u0000' }), 400, 'invalid_request', 'email_uuid');
    await expectError(await srv.api('POST', '/runs', { ...good, invoice_ref: '\udc00INV' }), 400, 'invalid_request', 'invoice_ref');
  });

  it("in the approver's note or reason are a 400 naming the field, and the proposal stays pending", async () => {
    const id = await envelopeOf('edge-note');
    before = await writes();
    await expectError(await srv.api('POST', `/proposed-actions/${id}/approve`, { note: 'ok\u0000' }), 400, 'invalid_request', 'note');
    await expectError(await srv.api('POST', `/proposed-actions/${id}/approve`, { note: 'ok \ud83d' }), 400, 'invalid_request', 'note');
    const e = await expectError(await srv.api('POST', `/proposed-actions/${id}/reject`, { reason: 'no \udfff' }), 400, 'invalid_request', 'reason');
    expect(e.message).toMatch(/surrogate/);
    await expectError(await srv.api('POST', `/proposed-actions/${id}/reject`, { reason: '\u0000' }), 400, 'invalid_request', 'reason');
    const p = (await (await srv.api('GET', `/proposed-actions/${id}`)).json()) as { status: string };
    expect(p.status).toBe('pending');
  });

  it("in the customer's email as relayed (reason_text, email.*) are cleaned, never refused: NUL dropped, a lone surrogate becomes U+FFFD", async () => {
    const res = await srv.triage({
      ...good,
      email_uuid: 'edge-clean',
      reason_text: 'price\u0000 wrong \ud800',
      email: { from: 'ap\u0000@bluewatermarine.example', to: 'ar@us\udc00.example', subject: 'INV-004143 \u0000\ud83d\ude00', body: 'Please credit\u0000 $10 \udbff.' },
    });
    expect(res.status).toBe(202);
    const { run_id } = (await res.json()) as { run_id: number };
    const [run] = await db.sql`SELECT input FROM runs WHERE id = ${run_id}`;
    expect(run!.input).toMatchObject({
      reason_text: 'price wrong \ufffd',
      email: { from: 'ap@bluewatermarine.example', to: 'ar@us\ufffd.example', subject: 'INV-004143 \ud83d\ude00', body: 'Please credit $10 \ufffd.' },
    });
  });

  it('as raw bytes: invalid UTF-8 (also an encoded surrogate) is a 400 naming the body, on the webhook and the API', async () => {
    const wrap = (bytes: number[]) => Buffer.concat([Buffer.from('{"email_uuid":"edge-bytes","reason_text":"a'), Buffer.from(bytes), Buffer.from('"}')]);
    for (const bytes of [[0xff, 0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80]]) {
      const e = await expectError(await postBytes(wrap(bytes)), 400, 'invalid_request', 'body');
      expect(e.message).toBe('body: must be UTF-8 encoded');
      await expectError(await postBytes(wrap(bytes), '/runs'), 400, 'invalid_request', 'body');
    }
    // A raw NUL byte inside a JSON string is not JSON.
    await expectError(await postBytes(wrap([0x00])), 400, 'invalid_request', 'body');
  });

  it('in a query value (action_type=%00) are a 400 naming the parameter', async () => {
    await expectError(await srv.api('GET', '/proposed-actions?action_type=%00'), 400, 'invalid_request', 'action_type');
    await expectError(await srv.api('GET', '/proposed-actions?action_type=%ED%A0%80'), 400, 'invalid_request', 'action_type');
    await expectError(await srv.api('GET', '/proposed-actions?action_type=customer_email%27--'), 400, 'invalid_request', 'action_type');
    expect((await srv.api('GET', '/proposed-actions?action_type=customer_email')).status).toBe(200);
  });
});

describe('query and path values the database cannot hold', () => {
  it('are a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['/runs?cursor=99999999999999999999', 'cursor'],
      ['/proposed-actions?cursor=99999999999999999999', 'cursor'],
      ['/alerts?cursor=99999999999999999999', 'cursor'],
      ['/runs?cursor=0', 'cursor'],
      ['/runs?older_than_hours=1e12', 'older_than_hours'],
      ['/runs?newer_than_hours=1e300', 'newer_than_hours'],
      ['/runs?older_than_hours=Infinity', 'older_than_hours'],
      ['/runs?newer_than_hours=-1', 'newer_than_hours'],
      ['/runs?customer_id=99999999999999999999', 'customer_id'],
      ['/alerts?run_id=1e300', 'run_id'],
      ['/proposed-actions?run_id=0x10', 'run_id'],
      ['/runs?limit=', 'limit'],
      ['/runs?limit=1e2', 'limit'],
      ['/runs/99999999999999999999', 'id'],
      ['/runs/9007199254740992', 'id'],
      ['/runs/0x10', 'id'],
      ['/runs/1e3', 'id'],
      ['/runs/0', 'id'],
      ['/proposed-actions/-1', 'id'],
    ];
    for (const [path, field] of cases) await expectError(await srv.api('GET', path), 400, 'invalid_request', field);
    await expectError(await srv.api('POST', '/proposed-actions/1e400/approve', {}), 400, 'invalid_request', 'id');
    await expectError(await srv.api('POST', '/proposed-actions/99999999999999999999/reject', { reason: 'x' }), 400, 'invalid_request', 'id');
  });

  it('answer 404 for a well-formed id that is absent', async () => {
    await expectError(await srv.api('GET', '/runs/9007199254740991'), 404, 'not_found');
    await expectError(await srv.api('GET', '/proposed-actions/123456789012'), 404, 'not_found');
  });

  it('a parameter given twice is a 400 saying so', async () => {
    const e = await expectError(await srv.api('GET', '/runs?status=running&status=failed'), 400, 'invalid_request', 'status');
    expect(e.message).toBe('status: must be given once');
    await expectError(await srv.api('GET', '/alerts?limit=1&limit=2'), 400, 'invalid_request', 'limit');
    await expectError(await srv.api('GET', '/proposed-actions?cursor=1&cursor=2'), 400, 'invalid_request', 'cursor');
  });

  it('hours up to a century still work', async () => {
    expect((await srv.api('GET', '/runs?older_than_hours=876000&newer_than_hours=0.5')).status).toBe(200);
  });
});

describe('methods and paths no route takes', () => {
  it('answer 405 with Allow (also for methods no route knows), 404 for unknown paths, all as JSON errors and never a 5xx', async () => {
    let res = await srv.api('PUT', '/runs', {});
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    await expectError(res, 405, 'method_not_allowed');
    res = await srv.api('DELETE', '/runs/1');
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD']);
    await expectError(res, 405, 'method_not_allowed');
    res = await srv.api('PATCH', '/proposed-actions/1/approve', {});
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed');
    res = await srv.api('PROPFIND', '/runs');
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    await expectError(res, 405, 'method_not_allowed');
    await expectError(await srv.api('MKCOL', '/healthz'), 405, 'method_not_allowed');
    await expectError(await srv.api('PROPFIND', '/nowhere'), 404, 'not_found');
    await expectError(await srv.api('GET', '/nowhere', undefined, null), 404, 'not_found');
    await expectError(await srv.api('POST', '/runs/1', {}), 405, 'method_not_allowed');
  });
});

describe('the webhook checks the signature before it reads the body', () => {
  it('an unsigned or wrongly signed malformed body is a 401, not a 400', async () => {
    await expectError(await srv.triage(null, { raw: '{"email_uuid": ', signature: null }), 401, 'unauthorized');
    await expectError(await srv.triage(null, { raw: '\u0000\u0000', signature: `sha256=${'a'.repeat(64)}` }), 401, 'unauthorized');
    await expectError(await srv.triage(null, { raw: 'not json', secret: 'another-secret-entirely-000' }), 401, 'unauthorized');
    const bad = Buffer.from([0x7b, 0xff, 0x7d]);
    await expectError(
      await fetch(`${srv.url}/webhooks/triage`, { method: 'POST', headers: { 'x-signature': sign('another-secret-entirely-000', bad) }, body: new Uint8Array(bad) }),
      401,
      'unauthorized',
    );
  });

  it('the signature covers the exact bytes: a signed body with a UTF-8 byte order mark is taken', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ ...good, email_uuid: 'edge-bom' }))]);
    const res = await postBytes(bytes);
    expect(res.status).toBe(202);
  });
});

describe('one email is one run', () => {
  it('an email_uuid that is a UUID is the same email in any case', async () => {
    const upper = 'B61E6BA5-3682-4DD6-B804-69B84B2D4EDE';
    const first = await srv.triage({ ...good, email_uuid: upper });
    expect(first.status).toBe(202);
    const { run_id } = (await first.json()) as { run_id: number };
    for (const id of [upper.toLowerCase(), 'b61e6ba5-3682-4DD6-b804-69b84b2d4ede']) {
      const again = await srv.triage({ ...good, email_uuid: id });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ run_id, created: false });
    }
    const manual = await srv.api('POST', '/runs', { ...good, email_uuid: upper });
    expect(manual.status).toBe(200);
    const [row] = await db.sql`SELECT email_uuid FROM runs WHERE id = ${run_id}`;
    expect(row!.email_uuid).toBe(upper.toLowerCase());
    const [n] = await db.sql`SELECT count(*)::int AS n FROM runs WHERE lower(email_uuid) = ${upper.toLowerCase()}`;
    expect(n!.n).toBe(1);
  });

  it('any other email_uuid is an opaque key, kept exactly (case-sensitive)', async () => {
    const c = await srv.triage({ ...good, email_uuid: 'Msg-AbC.1' });
    const d = await srv.triage({ ...good, email_uuid: 'msg-abc.1' });
    expect([c.status, d.status]).toEqual([202, 202]);
    const e = await srv.triage({ ...good, email_uuid: 'Msg-AbC.1' });
    expect(e.status).toBe(200);
  });
});

describe('found by fuzzing (tests/fuzz)', () => {
  it('a method no route knows is never a 5xx: 405 where the path exists, 404 elsewhere', async () => {
    // Was: the router's 501 Not Implemented (plain text, then JSON): a 5xx for a client's mistake.
    await expectError(await srv.api('LOCK', '/webhooks/triage', {}), 405, 'method_not_allowed');
    await expectError(await srv.api('PURGE', '/proposed-actions/1/approve', {}), 405, 'method_not_allowed');
    await expectError(await srv.api('MKCOL', '/no/such/path'), 404, 'not_found');
  });

  it("what Node's HTTP parser refuses (an unknown method, oversized headers) is a JSON error too", async () => {
    // Was: Node's own plain "400 Bad Request" / "431" with an empty body, never reaching Koa.
    await expectError(await srv.api('FOO', '/runs'), 400, 'invalid_request');
    await expectError(await fetch(`${srv.url}/healthz`, { headers: { 'x-big': 'a'.repeat(20_000) } }), 431, 'headers_too_large');
    expect((await srv.api('GET', '/healthz')).status).toBe(200);
  });

  it('HEAD /api/live answers its headers at once instead of hanging', async () => {
    // Was: headers written by a stream Node sends no body for, so they were never flushed.
    const res = await fetch(`${srv.url}/api/live`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(3_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const denied = await fetch(`${srv.url}/api/live`, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    expect(denied.status).toBe(401);
  });
});
