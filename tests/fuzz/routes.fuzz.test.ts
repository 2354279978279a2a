// Property-based fuzzing of every route over real HTTP against a real database. For any body, header,
// path, query and method a client can send:
//   - the answer is never a 5xx;
//   - an error is the documented JSON shape {error: {code, message, details?}} (405 with Allow);
//   - a rejected request writes nothing (a trigger counts every row written to any table);
//   - no answer carries a secret, a token or a stack trace;
//   - the server stays responsive (/healthz answers promptly after each batch).
// CI runs FUZZ_RUNS (default 100) cases per property; `npm run test:fuzz` runs 2000. FUZZ_SEED replays a run.
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../server/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { SECRET, startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';
import { accept, anyValue, contentType, enc, extraKey, headerJunk, idSegment, method, nastyString, queryString, rawBody, textOnlyEvent, triageBody } from './arbitraries.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
if (process.env.FUZZ_SEED) fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED) });
const TIMEOUT = Math.max(60_000, RUNS * 300);

let db: TestDatabase;
let srv: TestServer;
let requests = 0;
/** Answers by status, printed at the end: the generators must reach past validation, not only bounce off it. */
const statuses = new Map<number, number>();
/** Ids that exist: runs, and proposed actions (pending envelopes at first). */
const runIds: number[] = [];
const proposalIds: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
  for (const uuid of ['fuzz-seed-1', 'fuzz-seed-2', 'fuzz-seed-3']) {
    const res = await srv.triage({ email_uuid: uuid, customer_id: 1002, reason_text: 'Pricing discrepancy on INV-004143' });
    const { run_id } = (await res.json()) as { run_id: number };
    runIds.push(run_id);
    const list = (await (await srv.api('GET', `/proposed-actions?run_id=${run_id}`)).json()) as { items: { id: number }[] };
    proposalIds.push(list.items[0]!.id);
  }
  await countWrites();
  // The counter counts: a request that starts a run moves it.
  const n = await writes();
  expect((await srv.triage({ email_uuid: 'fuzz-seed-4', customer_id: 1002, reason_text: 'Pricing discrepancy on INV-004143' })).status).toBe(202);
  expect(await writes()).toBeGreaterThan(n);
}, 60_000);

afterAll(async () => {
  console.log(`fuzz: ${requests} requests (FUZZ_RUNS=${RUNS}); by status: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  await srv?.close();
  await db?.drop();
});

/**
 * Every row inserted, updated or deleted in any table counts, through a trigger on each table of the test
 * database: a rejected request must leave the counter where it was (row counts alone would miss an UPDATE).
 */
async function countWrites(): Promise<void> {
  await db.sql.unsafe(`
    CREATE TABLE fuzz_writes (n bigint NOT NULL);
    INSERT INTO fuzz_writes VALUES (0);
    CREATE FUNCTION fuzz_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE fuzz_writes SET n = n + 1; RETURN NULL; END $$;`);
  const tables = await db.sql<{ t: string }[]>`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'fuzz_writes'`;
  expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(['runs', 'run_journal', 'proposed_actions', 'approval_decisions', 'timers', 'outbox', 'alerts']));
  for (const { t } of tables) await db.sql.unsafe(`CREATE TRIGGER fuzz_count AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION fuzz_count()`);
}
async function writes(): Promise<number> {
  const [r] = await db.sql`SELECT n FROM fuzz_writes`;
  return Number(r!.n);
}

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string | null | undefined>;
  body?: Buffer;
}

const describeReq = (r: Req) =>
  `${r.method} ${r.path.slice(0, 300)} headers=${JSON.stringify(r.headers ?? {}).slice(0, 300)} body=${r.body ? JSON.stringify(r.body.subarray(0, 300).toString('latin1')) : '-'}`;

/** Sends one request and checks every property of its answer. */
async function check(r: Req): Promise<number> {
  const before = await writes();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) if (v !== null && v !== undefined) headers[k] = v;
  const hasBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
  requests++;
  const res = await fetch(`${srv.url}${r.path}`, {
    method: r.method,
    headers,
    body: hasBody && r.body ? new Uint8Array(r.body) : undefined,
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  });
  const type = res.headers.get('content-type') ?? '';
  let text = '';
  if (type.startsWith('text/event-stream')) await res.body?.cancel(); // the live feed never ends
  else text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  const why = () => `${describeReq(r)}\n→ ${res.status} ${type} ${text.slice(0, 500)}`;

  expect(res.status, why()).toBeLessThan(500);
  expect(text, why()).not.toContain(SECRET);
  expect(text, why()).not.toContain(TOKEN);
  expect(text, why()).not.toMatch(/\n\s+at .+:\d+:\d+/); // a stack trace
  if (res.status >= 400) {
    expect(type, why()).toMatch(/^application\/json/);
    if (r.method !== 'HEAD') {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
      expect(typeof body.error?.code, why()).toBe('string');
      expect(typeof body.error?.message, why()).toBe('string');
      const d = body.error!.details;
      if (d !== undefined && res.status === 400) {
        expect(Array.isArray(d), why()).toBe(true);
        for (const x of d as { field: unknown; message: unknown }[]) {
          expect(typeof x.field, why()).toBe('string');
          expect(typeof x.message, why()).toBe('string');
        }
      }
    }
    if (res.status === 405) expect(res.headers.get('allow'), why()).toBeTruthy();
    expect(await writes(), `rejected but wrote: ${why()}`).toBe(before);
  }
  return res.status;
}

/** A property over `arbs`, then a check that the server still answers /healthz promptly. */
function fuzz<T extends unknown[]>(name: string, arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, predicate: (...args: T) => Promise<void>) {
  test.prop(arbs as never, { numRuns: RUNS })(name, predicate as never, TIMEOUT);
  // Still serving afterwards (the abort only keeps a hung server from hanging the suite; speed is the bench's).
  it(`${name}: /healthz still answers afterwards`, async () => {
    const res = await fetch(`${srv.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
}

const bearer = fc.oneof(
  { weight: 6, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'Bearer', `bearer ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer  ${TOKEN}`, `Basic ${Buffer.from(`mike:${TOKEN}`).toString('base64')}`, `Bearer ${TOKEN.slice(0, -1)}`) },
  { weight: 1, arbitrary: headerJunk.map((j) => `Bearer ${j}`) },
);

const signature = (body: Buffer) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(sign(SECRET, body)) },
    { weight: 1, arbitrary: fc.constant(sign(SECRET, body).toUpperCase().replace('SHA256=', 'sha256=')) },
    { weight: 1, arbitrary: fc.constantFrom(null, '', 'sha256=', 'md5=abc', `sha256=${'0'.repeat(64)}`, sign('another-secret-entirely-000', body), sign(SECRET, Buffer.concat([body, Buffer.from(' ')]))) },
    { weight: 1, arbitrary: headerJunk },
  );

const approveBody: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.record({ note: fc.oneof(fc.constantFrom('ok to proceed', ''), anyValue), reason: fc.oneof(fc.constantFrom('duplicate', ''), anyValue) }, { requiredKeys: [] }),
    fc.option(fc.dictionary(fc.oneof(extraKey, fc.constantFrom('corrections', 'edits')), anyValue, { minKeys: 1, maxKeys: 2 }), { freq: 4 }),
  )
  .map(([body, extra]) => (extra ? { ...body, ...extra } : body));

const ids = () => [...runIds, ...proposalIds];

describe('POST /webhooks/triage', () => {
  fuzz('any signed body and content type', [rawBody(triageBody), contentType], async (body, type) => {
    await check({ method: 'POST', path: '/webhooks/triage', headers: { 'content-type': type, 'x-signature': sign(SECRET, body) }, body });
  });
  fuzz(
    'any signature and method',
    [rawBody(triageBody).chain((body) => fc.tuple(fc.constant(body), signature(body), method, contentType))],
    async ([body, sig, m, type]) => {
      const status = await check({ method: m, path: '/webhooks/triage', headers: { 'content-type': type, 'x-signature': sig }, body });
      if (m === 'POST' && sig !== sign(SECRET, body) && sig?.toLowerCase() !== sign(SECRET, body)) expect(status).toBe(status === 413 ? 413 : 401);
    },
  );
});

describe('any text in an event of the right shape', () => {
  const NUL_OR_LONE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  let n = 0;
  fuzz('starts a run or names the field, through the webhook and the manual invoke', [textOnlyEvent, fc.boolean()], async (event, manual) => {
    // A fresh email every time (fc.uuid() repeats itself often, and a redelivery starts nothing).
    const body = Buffer.from(JSON.stringify({ ...event, email_uuid: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` }));
    const status = await check(
      manual
        ? { method: 'POST', path: '/runs', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body }
        : { method: 'POST', path: '/webhooks/triage', headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, body) }, body },
    );
    expect([200, 202, 400, 413]).toContain(status);
    // A reference with NUL or a lone surrogate is refused; the email's own text never is.
    if (typeof event.invoice_ref === 'string' && NUL_OR_LONE.test(event.invoice_ref) && status !== 413) expect(status).toBe(400);
  });
});

describe('approving or rejecting a fresh envelope with any note', () => {
  let n = 0;
  fuzz('records exactly the trimmed note, or names the field and writes nothing', [fc.constantFrom('approve', 'reject'), fc.oneof(nastyString, fc.constantFrom('ok to proceed', '  spaced  '))], async (verb, note) => {
    const started = await srv.triage({ email_uuid: `fuzz-note-${++n}`, customer_id: 1002, reason_text: 'Pricing discrepancy on INV-004143' });
    const { run_id } = (await started.json()) as { run_id: number };
    const list = (await (await srv.api('GET', `/proposed-actions?run_id=${run_id}`)).json()) as { items: { id: number }[] };
    const id = list.items[0]!.id;
    const body = Buffer.from(JSON.stringify(verb === 'approve' ? { note } : { reason: note }));
    const status = await check({ method: 'POST', path: `/proposed-actions/${id}/${verb}`, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
    const [p] = await db.sql<{ status: string; decision_note: string | null }[]>`SELECT status, decision_note FROM proposed_actions WHERE id = ${id}`;
    if (status === 200) {
      expect(p!.status).toBe(verb === 'approve' ? 'approved' : 'rejected');
      expect(p!.decision_note ?? '').toBe(note.trim());
    } else {
      expect([400, 413]).toContain(status);
      expect(p!.status).toBe('pending');
    }
  });
});

describe('approving a fresh envelope with any corrections, bound to any ETag', () => {
  let n = 0;
  const correction = fc.record(
    {
      reason_code: fc.oneof(fc.constantFrom('DSC', 'dsc', 'PRC', 'XYZ', 'OTH', ''), nastyString, anyValue),
      invoice_ref: fc.oneof(fc.constantFrom('INV-004143', 'INV-004132', 'inv-004132', 'INV-004156', 'INV-999999', ''), nastyString, anyValue),
      customer_id: fc.oneof(fc.constantFrom(1002, 1003, 999999, 0, -1, 1.5, 2 ** 53, 1e308), anyValue),
      disputed_amount: fc.oneof(fc.double({ noNaN: true, min: -1e14, max: 1e14 }), fc.constantFrom(0, 50, 172.8, 0.005, -0.01), anyValue),
      __proto__: fc.constant({ polluted: true }),
    },
    { requiredKeys: [] },
  );
  fuzz(
    'applies exactly the valid corrections with the shown ETag, else 400/412 and nothing written',
    [fc.oneof(correction, anyValue), fc.constantFrom('shown', 'absent', 'stale', 'star', 'junk')],
    async (corrections, match) => {
      const started = await srv.triage({ email_uuid: `fuzz-correct-${++n}`, customer_id: 1002, reason_text: 'Pricing discrepancy on INV-004143' });
      const { run_id } = (await started.json()) as { run_id: number };
      const [env] = (await (await srv.api('GET', `/proposed-actions?run_id=${run_id}`)).json()).items as { id: number; etag: string }[];
      const ifMatch = { shown: `"${env!.etag}"`, absent: null, stale: `"${'0'.repeat(64)}"`, star: '*', junk: 'W/"x y"' }[match];
      const body = Buffer.from(JSON.stringify({ corrections }));
      const status = await check({ method: 'POST', path: `/proposed-actions/${env!.id}/approve`, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'if-match': ifMatch }, body });
      if (match === 'stale') expect([400, 412, 413]).toContain(status);
      if (match === 'junk') expect(status).toBe(400);
      const [run] = await db.sql<{ status: string }[]>`SELECT status FROM runs WHERE id = ${run_id}`;
      if (status === 200) expect(run!.status).not.toBe('awaiting_approval');
      else {
        expect([400, 412, 413]).toContain(status);
        expect(run!.status).toBe('awaiting_approval');
      }
      // Nothing a client sends reaches Object.prototype.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});

describe('approving a fresh drafted reply with any edits', () => {
  let n = 0;
  const edits = fc.record({ subject: fc.oneof(nastyString, fc.constantFrom('Re: your invoice', 'two\r\nBcc: x@evil.example', ''), anyValue), body: fc.oneof(nastyString, fc.constantFrom('Dear customer,\n', ''), anyValue) }, { requiredKeys: [] });
  fuzz('queues exactly the edited text for delivery, or names the field and writes nothing', [fc.oneof(edits, anyValue)], async (e) => {
    const started = await srv.triage({ email_uuid: `fuzz-edit-${++n}`, customer_id: 1002, reason_text: 'Pricing discrepancy on INV-004143' });
    const { run_id } = (await started.json()) as { run_id: number };
    const [env] = (await (await srv.api('GET', `/proposed-actions?run_id=${run_id}`)).json()).items as { id: number }[];
    expect((await srv.api('POST', `/proposed-actions/${env!.id}/approve`, {})).status).toBe(200);
    const reply = ((await (await srv.api('GET', `/proposed-actions?run_id=${run_id}&action_type=customer_email`)).json()).items as { id: number; payload: { subject: string; body: string } }[])[0]!;
    const status = await check({ method: 'POST', path: `/proposed-actions/${reply.id}/approve`, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ edits: e })) });
    const [o] = await db.sql<{ mail: { subject: string; text: string } }[]>`SELECT payload->'mail' AS mail FROM outbox WHERE proposed_action_id = ${reply.id}`;
    if (status === 200) {
      const ed = e as { subject?: string; body?: string };
      expect(o!.mail.subject).toBe(ed.subject !== undefined ? ed.subject.trim() : reply.payload.subject);
      expect(o!.mail.text).toBe(ed.body ?? reply.payload.body);
      expect(o!.mail.subject).not.toMatch(/[\r\n]/);
    } else {
      expect([400, 413]).toContain(status);
      expect(o).toBeUndefined();
    }
  });
});

describe('GET /corrections and GET /api/mail', () => {
  const fits = fc.constantFrom('json', 'jsonl', 'csv', '2026-11-20T00:00:00Z', 'yesterday', 'queued', 'sent', 'failed', '1', '10');
  fuzz('any query, token and accept', [fc.constantFrom('/corrections', '/api/mail'), queryString(['since', 'format', 'status', 'cursor', 'limit'], fits), bearer, accept], async (path, q, auth, acc) => {
    await check({ method: 'GET', path: `${path}${q}`, headers: { authorization: auth, accept: acc } });
  });
});

describe('GET /api/kpis', () => {
  const fits = fc.constantFrom('2026-11-20', '2026-11-21', '2026-02-30', '2020-01-01', '2026-11-20T00:00:00Z', '', 'yesterday', '9999-12-31', '0000-01-01');
  fuzz('any range, token and accept', [queryString(['from', 'to'], fits), bearer, accept], async (q, auth, acc) => {
    await check({ method: 'GET', path: `/api/kpis${q}`, headers: { authorization: auth, accept: acc } });
  });
});

describe('POST /runs (manual invoke)', () => {
  fuzz('any body, token and content type', [rawBody(triageBody), bearer, contentType], async (body, auth, type) => {
    await check({ method: 'POST', path: '/runs', headers: { authorization: auth, 'content-type': type }, body });
  });
});

describe('GET /runs', () => {
  const fits = fc.constantFrom('running', 'awaiting_approval', 'completed', 'sleeping', '1002', '1', '24', '0.5', '10', '3');
  fuzz('any query and token', [queryString(['status', 'customer_id', 'older_than_hours', 'newer_than_hours', 'cursor', 'limit'], fits), bearer, accept], async (q, auth, acc) => {
    await check({ method: 'GET', path: `/runs${q}`, headers: { authorization: auth, accept: acc } });
  });
});

describe('GET /runs/:id and GET /proposed-actions/:id', () => {
  fuzz('any id, method and token', [fc.constantFrom('/runs/', '/proposed-actions/'), fc.constant(null).chain(() => idSegment(ids())), method, bearer], async (base, id, m, auth) => {
    await check({ method: m, path: `${base}${id}`, headers: { authorization: auth, accept: 'application/json' } });
  });
});

describe('GET /proposed-actions', () => {
  const fits = fc.constantFrom('pending', 'approved', 'expired', 'customer_email', 'workflow_customer_invoice_dispute', '1', '2', '10');
  fuzz('any query, token and accept', [queryString(['status', 'action_type', 'run_id', 'cursor', 'limit'], fits), bearer, accept], async (q, auth, acc) => {
    await check({ method: 'GET', path: `/proposed-actions${q}`, headers: { authorization: auth, accept: acc } });
  });
});

describe('POST /proposed-actions/:id/approve and /reject', () => {
  fuzz(
    'any id, body, token and content type',
    [fc.constantFrom('approve', 'reject'), fc.constant(null).chain(() => idSegment(ids())), rawBody(approveBody), bearer, contentType, fc.constantFrom('POST', 'POST', 'POST', 'PUT', 'GET')],
    async (verb, id, body, auth, type, m) => {
      await check({ method: m, path: `/proposed-actions/${id}/${verb}`, headers: { authorization: auth, 'content-type': type }, body });
    },
  );
});

describe('GET /alerts', () => {
  fuzz('any query and token', [queryString(['run_id', 'cursor', 'limit'], fc.constantFrom('1', '2', '50')), bearer], async (q, auth) => {
    await check({ method: 'GET', path: `/alerts${q}`, headers: { authorization: auth } });
  });
});

describe('POST /admin/verify/run', () => {
  fuzz('any body, method and token', [rawBody(fc.oneof(fc.constant({}), anyValue)), method, bearer, contentType], async (body, m, auth, type) => {
    await check({ method: m, path: '/admin/verify/run', headers: { authorization: auth, 'content-type': type }, body });
  });
});

describe('GET /api/live', () => {
  const token = fc.oneof(fc.constant(TOKEN), nastyString.filter((s) => s.length < 500));
  fuzz(
    'any token in the query or the header, and any method',
    [queryString(['token'], token), fc.option(bearer, { freq: 2 }), fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'DELETE')],
    async (q, auth, m) => {
      await check({ method: m, path: `/api/live${q}`, headers: { authorization: auth ?? null } });
    },
  );
});

describe('public routes: health, readiness, machine, contract, time, pages', () => {
  const PATHS = ['/healthz', '/readyz', '/api/machine', '/api/contract', '/api/time', '/api/reason-codes', '/', '/inspector', '/contract', '/mail', '/proposed-actions', '/assets/vendor/elk.bundled.js', '/dashboard', '/assets/vendor/chart.umd.js'];
  fuzz('any method, query and headers', [fc.constantFrom(...PATHS), method, queryString(['token', 'x'], nastyString), accept, fc.option(headerJunk)], async (path, m, q, acc, junk) => {
    await check({ method: m, path: `${path}${q}`, headers: { accept: acc, 'if-none-match': junk, 'x-anything': junk } });
  });
  fuzz(
    'any asset path',
    [fc.array(fc.oneof(fc.constantFrom('js', 'css', 'vendor', '..', '.', '%2e%2e', 'app.css', 'api.js', 'elk.bundled.js', '%00', '..%2F..%2Fpackage.json'), nastyString.filter((s) => s.length < 100).map(enc)), { minLength: 1, maxLength: 4 })],
    async (segments) => {
      const path = `/assets/${segments.join('/')}`;
      const status = await check({ method: 'GET', path });
      if (status === 200) expect(new URL(path, srv.url).pathname).toMatch(/^\/assets\/(?:[a-z0-9_-]+\/)*[a-z0-9_-]+(?:\.[a-z0-9]+)*\.(?:js|css|svg|png)$/i);
    },
  );
});

describe('any route', () => {
  const ROUTES = ['/webhooks/triage', '/runs', '/runs/{id}', '/proposed-actions', '/proposed-actions/{id}', '/proposed-actions/{id}/approve', '/proposed-actions/{id}/reject', '/alerts', '/admin/verify/run', '/api/machine', '/api/contract', '/corrections', '/api/mail', '/api/reason-codes', '/metrics', '/api/kpis', '/runs/{id}/replay', '/healthz', '/readyz', '/nowhere', '/runs/{id}/nothing', '/{x}'];
  fuzz(
    'any method, content type, token and body',
    [fc.constantFrom(...ROUTES), fc.constant(null).chain(() => idSegment(ids())), method, contentType, bearer, rawBody(anyValue), accept],
    async (route, id, m, type, auth, body, acc) => {
      await check({ method: m, path: route.replace(/\{\w+\}/, id), headers: { 'content-type': type, authorization: auth, accept: acc }, body });
    },
  );
});
