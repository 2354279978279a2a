// GET /api/live: server-sent events fed by LISTEN disputeflow_runs. Token in the header or ?token= (this
// endpoint only), never logged; a commit made through one server process reaches the clients of another;
// closing the feed (shutdown) ends the streams.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient, type Sql } from '../../persistence/connect.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { runFeed, type RunFeed } from '../../runtime/runFeed.ts';
import { createApp } from '../../server/app.ts';
import { parseApprovers } from '../../server/config.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let a: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startTestServer(db.sql);
});
afterAll(async () => {
  await a.close();
  await db.drop();
});

interface Sse {
  next(event: string, pred?: (data: any) => boolean, ms?: number): Promise<any>;
  ended: Promise<void>;
  close(): void;
}

/** A minimal SSE client over fetch: collects `event:`/`data:` messages. */
async function sse(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; client?: Sse }> {
  const ctl = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ctl.signal });
  if (res.status !== 200) {
    await res.text();
    return { status: res.status, type: res.headers.get('content-type') };
  }
  const seen: { event: string; data: any }[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  const ended = (async () => {
    const decoder = new TextDecoder();
    try {
      const reader = res.body!.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        buf += decoder.decode(chunk.value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) seen.push({ event, data: JSON.parse(data) });
          for (const w of waiters) w();
        }
      }
    } catch {
      /* aborted */
    }
    for (const w of waiters) w();
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  const client: Sse = {
    ended,
    close: () => ctl.abort(),
    next: (event, pred = () => true, ms = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = seen.find((m) => m.event === event && pred(m.data));
          if (hit) {
            seen.splice(seen.indexOf(hit), 1);
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit.data);
          } else if (finished) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`stream ended before ${event}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${event} within ${ms} ms; saw ${JSON.stringify(seen)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
  return { status: res.status, type: res.headers.get('content-type'), client };
}

let seq = 0;
const triage = async (srv: TestServer) => {
  const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1002, `live-${++seq}`));
  expect(res.status).toBe(202);
  return ((await res.json()) as { run_id: number }).run_id;
};

describe('GET /api/live', () => {
  it('refuses a missing or wrong token, in the header or the query', async () => {
    expect((await sse(`${a.url}/api/live`)).status).toBe(401);
    expect((await sse(`${a.url}/api/live?token=not-the-token-0123456789`)).status).toBe(401);
    expect((await sse(`${a.url}/api/live`, { authorization: 'Bearer not-the-token-0123456789' })).status).toBe(401);
    // The query token is for the live feed only: the JSON API still wants the header.
    expect((await fetch(`${a.url}/runs?token=${TOKEN}`, { headers: { accept: 'application/json' } })).status).toBe(401);
  });

  it('streams every committed event of a run, with the token as ?token=', async () => {
    const { status, type, client } = await sse(`${a.url}/api/live?token=${encodeURIComponent(TOKEN)}`);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    const hello = await client!.next('hello');
    expect(hello.now).toBe(a.clock.now().toISOString());
    const runId = await triage(a);
    // The triage transaction commits once, at awaiting approval, after journal rows 0..3.
    expect(await client!.next('run', (n) => n.run_id === runId)).toEqual({ run_id: runId, status: 'awaiting_approval', seq: 3 });
    const run = (await (await a.api('GET', `/runs/${runId}`)).json()) as any;
    const envelope = run.proposed_actions[0];
    expect((await a.api('POST', `/proposed-actions/${envelope.id}/approve`, {})).status).toBe(200);
    expect(await client!.next('run', (n) => n.run_id === runId)).toEqual({ run_id: runId, status: 'verifying', seq: 6 });
    client!.close();
  });

  it('takes the Authorization header too', async () => {
    const { status, client } = await sse(`${a.url}/api/live`, { authorization: `Bearer ${TOKEN}` });
    expect(status).toBe(200);
    await client!.next('hello');
    client!.close();
  });

  it('delivers a commit made through another server process (its own pool, its own LISTEN)', async () => {
    const otherSql = sqlClient(db.url, 3);
    const b = await startTestServer(otherSql);
    try {
      const { client } = await sse(`${b.url}/api/live?token=${TOKEN}`);
      await client!.next('hello');
      const runId = await triage(a); // committed by server a
      expect(await client!.next('run', (n) => n.run_id === runId)).toMatchObject({ run_id: runId, status: 'awaiting_approval' });
      client!.close();
    } finally {
      await b.close();
      await otherSql.end({ timeout: 2 });
    }
  });
});

describe('the live feed in one process', () => {
  let sql: Sql;
  let feed: RunFeed;
  let url: string;
  let server: import('node:http').Server;
  const lines: string[] = [];

  beforeAll(async () => {
    sql = sqlClient(db.url, 3);
    feed = runFeed(sql);
    const app = createApp({
      sql,
      clock: new ManualClock('2026-11-20T16:00:00Z'),
      effects: effectRegistry(),
      config: { webhookSecret: 'test-webhook-secret-0123456789', approvers: parseApprovers(`mike:${TOKEN}`), bodyLimitKb: 64 },
      log: (level, msg, extra) => lines.push(JSON.stringify({ level, msg, ...extra })),
      feed,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await sql.end({ timeout: 2 });
  });

  it('shares one LISTEN among its clients, never logs the token, and ends the streams when closed', async () => {
    const listeners = async () =>
      (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'listen%'`)[0]!.n;
    const before = await listeners();
    const one = (await sse(`${url}/api/live?token=${TOKEN}`)).client!;
    const two = (await sse(`${url}/api/live?token=${TOKEN}`)).client!;
    await Promise.all([one.next('hello'), two.next('hello')]);
    expect(feed.size).toBe(2);
    expect(await listeners()).toBe(before + 1);
    const runId = await triage(a);
    await Promise.all([one.next('run', (m) => m.run_id === runId), two.next('run', (m) => m.run_id === runId)]);

    expect(lines.some((l) => l.includes('/api/live'))).toBe(true); // the request is logged …
    expect(lines.join('\n')).not.toContain(TOKEN); // … the token is not

    // Shutdown: closing the feed ends every open stream, so server.close() is not held up.
    await feed.close();
    await Promise.all([one.ended, two.ended]);
    expect(feed.size).toBe(0);
  });

  it('drops a client that went away', async () => {
    const f = runFeed(sql);
    const unsubscribe = await f.subscribe({ notice: () => {} });
    expect(f.size).toBe(1);
    unsubscribe();
    expect(f.size).toBe(0);
    await f.close();
  });
});
