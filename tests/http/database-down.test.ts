// The database is unreachable (nothing listens on its port): every API request that needs it answers a JSON
// 503 `database_unavailable` quickly, again and again, while /healthz stays 200 and /readyz says 503.
// (tests/e2e/faults/postgres.test.ts stops and starts a real PostgreSQL under load.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient, type Sql } from '../../persistence/connect.ts';
import { freePort } from '../helpers/process.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Each answer must come within this: a request never hangs on a database that is down. */
const BOUND_MS = 3000;

let sql: Sql;
let srv: TestServer;

beforeAll(async () => {
  const port = await freePort(); // free: nothing listens there, so every connection is refused
  sql = sqlClient(`postgres://nobody:nothing@127.0.0.1:${port}/disputeflow`, 1);
  srv = await startTestServer(sql);
});
afterAll(async () => {
  await srv.close();
  await sql.end({ timeout: 1 });
});

async function timed(req: () => Promise<Response>): Promise<{ res: Response; ms: number; body: any }> {
  const t = performance.now();
  const res = await req();
  const body = await res.json();
  return { res, ms: performance.now() - t, body };
}

describe('with the database down', () => {
  it('answers API requests with a JSON 503 database_unavailable, each within a bounded time', async () => {
    const calls: [string, () => Promise<Response>][] = [
      ['GET /runs', () => srv.api('GET', '/runs')],
      ['GET /runs/1', () => srv.api('GET', '/runs/1')],
      ['GET /proposed-actions', () => srv.api('GET', '/proposed-actions?status=pending')],
      ['POST /proposed-actions/1/approve', () => srv.api('POST', '/proposed-actions/1/approve', {})],
      ['POST /webhooks/triage', () => srv.triage({ email_uuid: 'down-1', reason_text: 'price is wrong on INV-004143' })],
      ['POST /runs', () => srv.api('POST', '/runs', { email_uuid: 'down-2', reason_text: 'price is wrong on INV-004143' })],
      ['POST /admin/verify/run', () => srv.api('POST', '/admin/verify/run', {})],
      ['GET /alerts', () => srv.api('GET', '/alerts')],
    ];
    // One after the other on a one-connection pool: the reconnect backoff grows with every failed attempt
    // (postgres.js's default reached 10–20 s by the seventh), and must stay short.
    for (const [name, call] of calls) {
      const { res, ms, body } = await timed(call);
      expect({ name, status: res.status, code: body.error?.code }).toEqual({ name, status: 503, code: 'database_unavailable' });
      expect(res.headers.get('retry-after'), name).toMatch(/^\d+$/);
      expect(ms, `${name} took ${Math.round(ms)} ms`).toBeLessThan(BOUND_MS);
    }
  });

  it('keeps /healthz at 200 and answers /readyz 503 with JSON', async () => {
    const health = await timed(() => srv.api('GET', '/healthz', undefined, null));
    expect(health.res.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await timed(() => srv.api('GET', '/readyz', undefined, null));
    expect(ready.res.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'database_unreachable', database: 'unreachable' });
    expect(ready.ms).toBeLessThan(BOUND_MS);
  });

  it('still validates and authenticates first: bad input is a 4xx, not a 503', async () => {
    expect((await srv.api('GET', '/runs', undefined, null)).status).toBe(401);
    expect((await srv.triage({ email_uuid: 'down-3', reason_text: 'x' }, { signature: null })).status).toBe(401);
    expect((await srv.api('GET', '/runs?limit=oops')).status).toBe(400);
  });
});
