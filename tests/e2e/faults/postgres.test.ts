// Faults, part 2: PostgreSQL stopped and started under load. A private embedded PostgreSQL (never the
// machine's shared one: other suites use it) on a fixed port under a temporary folder; the product's
// processes point at it with DATABASE_URL and are never restarted. While it is down: /healthz 200, /readyz a
// JSON 503, every API request a JSON 503 database_unavailable within a bounded time, no process crashes.
// Once it is back: ready again within seconds, the schedulers and the live feed's LISTEN work again, and
// every run ends exactly as it should, once.
//
// CI runs the short setting below; `npm run test:faults` the full one (FAULT_PG_RUNS, FAULT_PG_RESTARTS).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, sqlClient } from '../../../persistence/connect.ts';
import { startEmbedded, type EmbeddedHandle } from '../../../persistence/embedded.ts';
import { RUN_CHANNEL } from '../../../runtime/engine.ts';
import { Poller } from '../../../runtime/poller.ts';
import { runFeed } from '../../../runtime/runFeed.ts';
import { sign } from '../../../server/auth.ts';
import {
  checkExactlyOnce, Driver, envNumber, faultSeed, Fleet, planRuns, settle, sleep, startReceiver, until, withDeadline,
  type Receiver, type Slot,
} from '../../helpers/faults.ts';
import { seededRandom } from '../../helpers/random.ts';
import { freePort } from '../../helpers/process.ts';

const RUNS = envNumber('FAULT_PG_RUNS', 120);
const RESTARTS = envNumber('FAULT_PG_RESTARTS', 2);
const CONCURRENCY = envNumber('FAULT_CONCURRENCY', 8);
/** While the database is down, every answer comes within this. */
const PROBE_BOUND_MS = 3000;
/** After the database is back, readiness and the LISTENs return within this. */
const RECOVERY_BOUND_MS = 5000;
const SECRET = 'faults-pg-webhook-secret-0123456789';
const NOTIFY_SECRET = 'faults-pg-notify-secret-0123456789';
const TOKEN = 'faults-pg-approver-token-0123456789';

// Stop/start rounds of the in-process test: 1 in CI, 3 in the full setting (npm run test:faults). A rare hang
// of this test (a commit loop that never finishes after a restart) is open; see RELIABILITY.md.
const PG_ROUNDS = Number(process.env.FAULT_PG_ROUNDS ?? 1);
let dir: string;
let port: number;
let pg: EmbeddedHandle | undefined;
let url: string;
let fleet: Fleet | undefined;
let receiver: Receiver | undefined;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'disputeflow-faults-pg-'));
  port = await freePort();
  pg = await startEmbedded(dir, () => {}, { port });
  url = pg.url;
});
afterAll(async () => {
  await fleet?.destroy();
  for (const c of closers.reverse()) await c().catch(() => {});
  await receiver?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function stopPostgres(): Promise<void> {
  const handle = pg!;
  pg = undefined;
  await handle.stop();
}

async function startPostgres(): Promise<void> {
  pg = await startEmbedded(dir, () => {}, { port });
}

describe('faults: PostgreSQL stopped and started', () => {
  it('in one process: transactions cut by the stop neither crash the process nor break the pool', async () => {
    const t0 = Date.now();
    const progress: string[] = [];
    const note = (what: string) => progress.push(`${Date.now() - t0} ms: ${what}`);
    await withDeadline(100_000, () => progress.join('; '), async () => {
      const sql = sqlClient(url, 5);
      closers.push(() => sql.end({ timeout: 1 }));
      await sql`CREATE TABLE fault_probe (id serial PRIMARY KEY, n integer NOT NULL)`;
      const uncaught: unknown[] = [];
      const onUncaught = (err: unknown) => void uncaught.push(err);
      process.on('uncaughtException', onUncaught);
      closers.push(async () => void process.off('uncaughtException', onUncaught));
      let commits = 0;
      let stopped = false;
      const unexpected: string[] = [];
      // Ten loops of small transactions (several statements each, as the engine's are) while the server stops.
      const loops = Array.from({ length: 10 }, async () => {
        while (!stopped) {
          try {
            await sql.begin(async (tx) => {
              const [row] = await tx<{ id: number }[]>`INSERT INTO fault_probe (n) VALUES (0) RETURNING id`;
              await tx`SELECT pg_sleep(0.002)`;
              await tx`UPDATE fault_probe SET n = n + 1 WHERE id = ${row!.id}`;
            });
            commits++;
          } catch (err) {
            if (!isDatabaseUnavailable(err)) unexpected.push(String(err));
            await sleep(20);
          }
        }
      });
      const recoveries: number[] = [];
      try {
        for (let round = 0; round < PG_ROUNDS; round++) {
          const c0 = commits;
          await until(() => commits > c0 + 30, 20_000, () => `commits before stop ${round}: ${commits - c0}`, 10);
          note(`round ${round}: ${commits} commits, stopping`);
          await stopPostgres();
          note('stopped');
          await sleep(300);
          await startPostgres();
          note('started');
          const back = Date.now();
          const c1 = commits;
          // The pool commits again soon: no connection was left unusable (postgres.js 3.4.9 without the
          // patch in vendor/postgres: an uncaught TypeError, then connections that never write again).
          await until(() => commits > c1 + 10, RECOVERY_BOUND_MS, () => `commits after restart ${round}: ${commits - c1}; uncaught: ${uncaught.map(String).join('; ')}`, 10);
          recoveries.push(Date.now() - back);
        }
      } finally {
        stopped = true;
        note('stopping the loops');
        await Promise.race([Promise.all(loops), sleep(10_000)]);
      }
      note('checking');
      expect(uncaught.map(String), 'uncaught exceptions').toEqual([]);
      expect(unexpected, 'errors other than "database unavailable"').toEqual([]);
      // One transaction, all or nothing: no row committed without its update.
      expect(await sql`SELECT count(*)::int AS half FROM fault_probe WHERE n <> 1`).toEqual([{ half: 0 }]);
      await sql`DROP TABLE fault_probe`;
      console.log(`[faults:postgres] driver: ${commits} commits across ${PG_ROUNDS} restart(s); committing again ${recoveries.join(', ')} ms after each`);
    });
  }, 120_000);

  it("in one process: a transaction's statements never reach its connection's next session", async () => {
    // One connection: a transaction on it, killed by the server (pg_terminate_backend), goes on issuing
    // statements (the engine turns a failing fan-out step into STEP_FAILED and carries on), while a query
    // queued behind it reconnects the connection. postgres.js 3.4.9 sent those statements to the new
    // session, outside any transaction (or inside the next one): row B was committed without row A.
    const sql = sqlClient(url, 1);
    const admin = sqlClient(url, 1);
    closers.push(() => sql.end({ timeout: 1 }), () => admin.end({ timeout: 1 }));
    await admin`CREATE TABLE session_probe (tag text NOT NULL)`;
    let pid = 0;
    let caught: unknown;
    let late: unknown = 'not issued';
    const transaction = sql
      .begin(async (tx) => {
        await tx`INSERT INTO session_probe VALUES ('A')`;
        pid = (await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
        await tx`SELECT pg_sleep(10)`.catch((err: unknown) => (caught = err));
        await until(() => queued !== undefined, 5000, () => 'the queued query settles');
        late = await tx`INSERT INTO session_probe VALUES ('B')`.then(() => 'committed', (err: unknown) => err);
      })
      .then(() => 'committed', (err: unknown) => err);
    await until(() => pid !== 0, 5000, () => 'the transaction reports its backend');
    let queued: unknown;
    const next = sql`SELECT 1 AS one`.then((r) => (queued = r), (err: unknown) => (queued = err));
    await admin`SELECT pg_terminate_backend(${pid})`;
    await next;
    // Whatever the queued query got, the connection has a new session now.
    await expect(sql`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
    await until(() => late !== 'not issued', 5000, () => 'the late statement settles');
    expect(isDatabaseUnavailable(caught), `the interrupted statement: ${String(caught)}`).toBe(true);
    expect(isDatabaseUnavailable(late), `the statement after the connection died: ${String(late)}`).toBe(true);
    expect(isDatabaseUnavailable(await transaction), 'the transaction').toBe(true);
    expect(await admin`SELECT tag FROM session_probe`, 'rows written by the transaction').toEqual([]);
    await admin`DROP TABLE session_probe`;
  }, 30_000);

  it('in one process: queries fail fast while it is down; pool, LISTEN and poller return within seconds; the feed resyncs once', async () => {
    const sql = sqlClient(url, 4);
    const notifier = sqlClient(url, 1);
    closers.push(() => sql.end({ timeout: 1 }), () => notifier.end({ timeout: 1 }));
    const feed = runFeed(sql);
    const seen = { notices: 0, resyncs: 0 };
    await feed.subscribe({ notice: () => seen.notices++, resync: () => seen.resyncs++ });
    let kicks = 0;
    // A poll far longer than the test: only a NOTIFY on its channel runs the job.
    const poller = new Poller(sql, 'disputeflow_faults_probe', async () => void kicks++, 3_600_000, () => {});
    await poller.start();
    closers.push(() => poller.stop(), () => feed.close());
    const notify = () =>
      notifier`SELECT pg_notify(${RUN_CHANNEL}, ${JSON.stringify({ run_id: 1, status: 'running', seq: 0 })}), pg_notify('disputeflow_faults_probe', '')`;
    await until(() => kicks === 1, 5000, () => 'the poller runs its job at start');
    await notify();
    await until(() => seen.notices === 1 && kicks === 2, 5000, () => `before the restart: ${JSON.stringify({ ...seen, kicks })}`);

    await stopPostgres();
    // Meanwhile the pool is used as the schedulers use it: each query fails, quickly, as "unavailable".
    const downUntil = Date.now() + 3000;
    let failures = 0;
    while (Date.now() < downUntil) {
      const t = performance.now();
      const err = await sql`SELECT 1`.then(() => null, (e: unknown) => e);
      expect(isDatabaseUnavailable(err), `a query while the database is down failed with ${String(err)}`).toBe(true);
      expect(performance.now() - t).toBeLessThan(PROBE_BOUND_MS);
      failures++;
      await sleep(100);
    }
    await startPostgres();
    const back = Date.now();
    const n0 = seen.notices;
    const k0 = kicks;
    await until(
      async () => {
        await notify().catch(() => {});
        return seen.notices > n0 && kicks > k0;
      },
      RECOVERY_BOUND_MS,
      () => `both LISTENs back: ${JSON.stringify({ notices: seen.notices - n0, kicks: kicks - k0 })}`,
      100,
    );
    const recovered = Date.now() - back;
    await expect(sql`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
    await sleep(500);
    // One re-established LISTEN, one resync for the subscribers (the pages re-read once, not once per attempt).
    expect(seen.resyncs, 'resyncs after one restart').toBe(1);
    console.log(`[faults:postgres] in-process: ${failures} queries failed fast while down; LISTEN and poller back ${recovered} ms after the restart`);
  }, 60_000);

  it(`answers 503 while it is down and loses and repeats nothing over ${RUNS} runs and ${RESTARTS} restart(s)`, async () => {
    const t0 = Date.now();
    const seed = faultSeed('postgres');
    const rand = seededRandom(seed);
    const records = planRuns(RUNS, rand, `pg-${seed}`);
    const span = Math.max(1, RUNS - 3 * CONCURRENCY);
    const schedule = Array.from({ length: RESTARTS }, (_, k) => ({
      at: Math.floor(((k + 0.2 + 0.6 * rand()) * span) / RESTARTS),
      downMs: 1500 + Math.floor(rand() * 2000),
    }));
    receiver = await startReceiver(NOTIFY_SECRET);
    fleet = await Fleet.create(
      {
        DATABASE_URL: url,
        WEBHOOK_SECRET: SECRET,
        APPROVER_TOKENS: `mike:${TOKEN}`,
        NOTIFY_WEBHOOK_URL: receiver.url,
        NOTIFY_WEBHOOK_SECRET: NOTIFY_SECRET,
        VERIFY_SCHEDULE: '* * * * *',
        DB_POOL_MAX: '5',
        LOG_LEVEL: 'warn',
      },
      { servers: 2, workers: 1 },
    );
    const f = fleet;
    await f.startAll();
    const sql = sqlClient(url, 3);
    closers.push(() => sql.end({ timeout: 1 }));
    const live = await openLive(f.servers()[0]!, TOKEN);
    closers.push(() => live.close());
    await until(() => live.events.some((e) => e.type === 'hello'), 10_000, () => 'the live feed says hello');

    const driver = new Driver({ fleet: f, sql, secret: SECRET, token: TOKEN, rand: seededRandom(seed ^ 0x5eed) });
    const log: string[] = [];
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    const outages: { down_ms: number; probes: number; ready_again_ms: number; resync_ms: number }[] = [];
    let fired = 0;
    let ready = -1;
    let restarterError: unknown;
    let lastUp = 0;
    const restarter = (async () => {
      for (const [k, r] of schedule.entries()) {
        ready = k;
        await until(() => driver.started > r.at && driver.started - driver.done > 0, 300_000, () => `restart ${k} at run ${r.at}`, 5);
        log.push(`${at()}: PostgreSQL stopped (${driver.started} runs started, ${driver.done} done)`);
        await stopPostgres();
        const down = Date.now();
        fired++;
        const probes = await probeWhileDown(f);
        f.assertNoCrash();
        await sleep(Math.max(0, r.downMs - (Date.now() - down)));
        await startPostgres();
        const up = Date.now();
        lastUp = up;
        log.push(`${at()}: PostgreSQL started after ${up - down} ms down`);
        await until(
          async () => (await Promise.all(f.servers().map((s) => readyz(s)))).every((st) => st === 200),
          RECOVERY_BOUND_MS,
          () => `every server ready again within ${RECOVERY_BOUND_MS} ms of the restart`,
          100,
        );
        const readyAgain = Date.now() - up;
        // This outage's resync is the first after the stop began: the server's LISTEN may be back (and its resync
        // sent, 200 ms later) before startPostgres() returns, which on a loaded machine can be later still. So
        // resync_ms, counted from that return, can be negative.
        await until(() => live.events.some((e) => e.type === 'resync' && e.at > down), RECOVERY_BOUND_MS, () => `the live feed resyncs within ${RECOVERY_BOUND_MS} ms of the restart`);
        const resync = live.events.find((e) => e.type === 'resync' && e.at > down)!.at - up;
        outages.push({ down_ms: up - down, probes, ready_again_ms: readyAgain, resync_ms: resync });
      }
    })().catch((err) => {
      restarterError = err;
      throw err;
    });
    const gate = async (i: number) => {
      for (;;) {
        if (restarterError) throw new Error('the restart schedule failed');
        if (fired >= schedule.length) return;
        if (i < schedule[fired]!.at + CONCURRENCY + (ready >= fired ? 2 * CONCURRENCY : 0)) return;
        await sleep(10);
      }
    };
    const pump = driver.verifyPump();
    await Promise.all([driver.runAll(records, CONCURRENCY, gate), restarter]);
    log.push(`${at()}: all ${RUNS} runs driven`);
    const outboxAged = await settle(sql, 90_000, () => `${log.join('\n')}\n${f.outputs()}`);
    log.push(`${at()}: settled`);
    await pump.stop();
    f.assertNoCrash();
    console.log(log.join('\n'));

    // The live feed kept its stream across the outages, resynced once per restart, and carried the commits
    // made after the last one (its LISTEN is active again).
    expect(live.events.filter((e) => e.type === 'resync').length, 'resyncs on the live feed').toBe(RESTARTS);
    if (RESTARTS > 0) expect(live.events.filter((e) => e.type === 'run' && e.at > lastUp).length, 'run events after the last restart').toBeGreaterThan(0);

    const codes = await f.stopAll();
    expect(codes, 'exit codes after SIGTERM').toEqual(Object.fromEntries(f.slots.map((s) => [s.name, 0])));
    const figures = await checkExactlyOnce(sql, records, receiver);
    console.log(
      `[faults:postgres] ${JSON.stringify({
        seed, ...figures, pg_restarts: outages.length, outages,
        requests: driver.stats.requests, attempts: driver.stats.attempts, unavailable_503: driver.stats.unavailable, network_errors: driver.stats.networkErrors,
        verify_calls: pump.calls(), verify_checked_on_demand: pump.checked(), slowest_verify_call: pump.slowest(), slowest_attempt: driver.stats.slowest, outbox_leases_aged: outboxAged,
        total_seconds: (Date.now() - t0) / 1000,
      })}`,
    );
    if (driver.stats.anomalies.length) console.log(f.outputs());
    expect(driver.stats.anomalies, 'answers the product must never give').toEqual([]);
    // Known and open: around a restart a decision can answer 404 for an envelope just listed; it is counted
    // and printed here (the retried decision and the exactly-once checks below still hold).
    if (driver.stats.notFound.length) console.info(`faults: ${driver.stats.notFound.length} decision(s) answered 404 around a restart:\n${driver.stats.notFound.join('\n')}`);
    expect(outages).toHaveLength(RESTARTS);
  }, 120_000 + RUNS * 400 + RESTARTS * 20_000);
});

async function readyz(s: Slot): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${s.port}/readyz`, { signal: AbortSignal.timeout(PROBE_BOUND_MS) })).status;
  } catch {
    return 0;
  }
}

/**
 * With the database down, on every server: /healthz 200, /readyz 503 JSON, and API requests (reads, the
 * signed webhook, a decision, the verify run) a JSON 503 database_unavailable, each within the bound.
 */
async function probeWhileDown(f: Fleet): Promise<number> {
  const auth = { authorization: `Bearer ${TOKEN}`, accept: 'application/json', 'content-type': 'application/json' };
  const triage = JSON.stringify({ email_uuid: 'pg-probe-while-down', reason_text: 'price is wrong on INV-004143' });
  const probes: [string, string, RequestInit, number, string | undefined][] = [
    ['GET', '/healthz', {}, 200, undefined],
    ['GET', '/readyz', {}, 503, undefined],
    ['GET', '/runs', { headers: auth }, 503, 'database_unavailable'],
    ['GET', '/proposed-actions?status=pending', { headers: auth }, 503, 'database_unavailable'],
    ['POST', '/webhooks/triage', { headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, triage) }, body: triage }, 503, 'database_unavailable'],
    ['POST', '/proposed-actions/999999999/approve', { headers: auth, body: '{}' }, 503, 'database_unavailable'],
    ['POST', '/admin/verify/run', { headers: auth, body: '{}' }, 503, 'database_unavailable'],
  ];
  const results = await Promise.all(
    f.servers().map(async (s) => {
      const out: string[] = [];
      for (const [method, p, init, status, code] of probes) {
        const t = performance.now();
        let got: string;
        try {
          const res = await fetch(`http://127.0.0.1:${s.port}${p}`, { method, ...init, signal: AbortSignal.timeout(PROBE_BOUND_MS) });
          const body = (await res.json()) as any;
          const ms = performance.now() - t;
          got = `${res.status} ${code ? body?.error?.code : body?.status}${ms >= PROBE_BOUND_MS ? ` after ${Math.round(ms)} ms` : ''}`;
        } catch (err) {
          got = `no JSON answer within ${PROBE_BOUND_MS} ms (${String(err)})`;
        }
        const want = `${status} ${code ?? (p === '/healthz' ? 'ok' : p === '/readyz' ? 'database_unreachable' : '')}`;
        out.push(`${s.name} ${method} ${p}: ${got === want ? 'ok' : `got ${got}, want ${want}`}`);
      }
      return out;
    }),
  );
  const lines = results.flat();
  const wrong = lines.filter((l) => !l.endsWith(': ok'));
  if (wrong.length) console.log(`${f.crashes.join('\n')}\n${f.outputs()}`);
  expect(wrong, 'answers while the database is down').toEqual([]);
  return lines.length;
}

interface LiveEvent {
  type: string;
  at: number;
  data: unknown;
}

/** A client of GET /api/live (server-sent events), recording what arrives and when. */
async function openLive(s: Slot, token: string): Promise<{ events: LiveEvent[]; close(): Promise<void> }> {
  const ac = new AbortController();
  const res = await fetch(`http://127.0.0.1:${s.port}/api/live?token=${token}`, { signal: ac.signal, headers: { accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  const events: LiveEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const reading = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type) events.push({ type, at: Date.now(), data: data ? JSON.parse(data) : null });
        }
      }
    } catch {
      /* closed */
    }
  })();
  return {
    events,
    async close() {
      ac.abort();
      await reading;
    },
  };
}
