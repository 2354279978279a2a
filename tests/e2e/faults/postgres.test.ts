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
import { sleep, until } from '../../helpers/faults.ts';
import { freePort } from '../../helpers/process.ts';

/** While the database is down, every answer comes within this. */
const PROBE_BOUND_MS = 3000;
/** After the database is back, the pool commits again, and the LISTENs return, within this. */
const RECOVERY_BOUND_MS = 5000;

let dir: string;
let port: number;
let pg: EmbeddedHandle | undefined;
let url: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'disputeflow-faults-pg-'));
  port = await freePort();
  pg = await startEmbedded(dir, () => {}, { port });
  url = pg.url;
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
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
      for (let round = 0; round < 3; round++) {
        const c0 = commits;
        await until(() => commits > c0 + 30, 20_000, () => `commits before stop ${round}: ${commits - c0}`, 10);
        await stopPostgres();
        await sleep(300);
        await startPostgres();
        const back = Date.now();
        const c1 = commits;
        // The pool commits again soon: no connection was left unusable (postgres.js 3.4.9 without the
        // patch in vendor/postgres: an uncaught TypeError, then connections that never write again).
        await until(() => commits > c1 + 10, RECOVERY_BOUND_MS, () => `commits after restart ${round}: ${commits - c1}; uncaught: ${uncaught.map(String).join('; ')}`, 10);
        recoveries.push(Date.now() - back);
      }
    } finally {
      stopped = true;
      await Promise.race([Promise.all(loops), sleep(10_000)]);
    }
    expect(uncaught.map(String), 'uncaught exceptions').toEqual([]);
    expect(unexpected, 'errors other than "database unavailable"').toEqual([]);
    // One transaction, all or nothing: no row committed without its update.
    expect(await sql`SELECT count(*)::int AS half FROM fault_probe WHERE n <> 1`).toEqual([{ half: 0 }]);
    await sql`DROP TABLE fault_probe`;
    console.log(`[faults:postgres] driver: ${commits} commits across 3 restarts; committing again ${recoveries.join(', ')} ms after each`);
  }, 90_000);

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
});
