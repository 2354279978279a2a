// Faults, part 1: SIGKILL. Two HTTP servers and two `--worker` processes run against one database while a
// driver pushes runs through the API (signed triage, then approve, reject, let the window expire, or race
// an approval against the expiry); a seeded schedule SIGKILLs one process at a time, at random moments,
// and restarts it. Afterwards the database must hold exactly what the runs should have written, once, and
// the notification receiver must have every ledger event (repeats only under the same idempotency key).
//
// CI runs the short setting below; `npm run test:faults` the full one (FAULT_RUNS, FAULT_CYCLES).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import {
  checkExactlyOnce, Driver, envNumber, faultSeed, Fleet, planRuns, settle, shuffle, sleep, startReceiver, until,
  type Kind, type Receiver,
} from '../../helpers/faults.ts';
import { seededRandom } from '../../helpers/random.ts';

const RUNS = envNumber('FAULT_RUNS', 200);
const CYCLES = envNumber('FAULT_CYCLES', 4);
const CONCURRENCY = envNumber('FAULT_CONCURRENCY', 8);
const SECRET = 'faults-webhook-secret-0123456789';
const NOTIFY_SECRET = 'faults-notify-secret-0123456789';
const TOKEN = 'faults-approver-token-0123456789';

let db: TestDatabase;
let receiver: Receiver;
let fleet: Fleet | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await startReceiver(NOTIFY_SECRET);
});
afterAll(async () => {
  await fleet?.destroy();
  await receiver?.close();
  await db?.drop();
});

interface Kill {
  /** Fires once this many runs have started. */
  at: number;
  kind: Kind;
  pick: number;
  delayMs: number;
  downMs: number;
}

/**
 * One kill per cycle, at a random point of that cycle's share of the runs (the last runs are left out, so
 * that the last kill too lands among runs in flight); as many servers as workers.
 */
function killSchedule(rand: () => number): Kill[] {
  const span = Math.max(1, RUNS - 3 * CONCURRENCY);
  const kinds = shuffle<Kind>([...Array(Math.ceil(CYCLES / 2)).fill('server'), ...Array(Math.floor(CYCLES / 2)).fill('worker')], rand);
  return kinds.map((kind, k) => ({
    at: Math.floor(((k + 0.1 + 0.8 * rand()) * span) / CYCLES),
    kind,
    pick: rand(),
    delayMs: Math.floor(rand() * 300),
    downMs: Math.floor(rand() * 1000),
  }));
}

describe('faults: SIGKILL of servers and workers', () => {
  it(`loses and repeats nothing over ${RUNS} runs while ${CYCLES} SIGKILLs hit servers and workers`, async () => {
    const t0 = Date.now();
    const seed = faultSeed('kills');
    const rand = seededRandom(seed);
    const records = planRuns(RUNS, rand, `kill-${seed}`);
    const schedule = killSchedule(rand);
    fleet = await Fleet.create(
      {
        DATABASE_URL: db.url,
        WEBHOOK_SECRET: SECRET,
        APPROVER_TOKENS: `mike:${TOKEN}`,
        NOTIFY_WEBHOOK_URL: receiver.url,
        NOTIFY_WEBHOOK_SECRET: NOTIFY_SECRET,
        VERIFY_SCHEDULE: '* * * * *',
        DB_POOL_MAX: '5',
        LOG_LEVEL: 'warn',
      },
      { servers: 2, workers: 2 },
    );
    const f = fleet;
    await f.startAll();
    console.log(`[faults:kills] ${f.slots.length} processes started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const driver = new Driver({ fleet: f, sql: db.sql, secret: SECRET, token: TOKEN, rand: seededRandom(seed ^ 0x5eed) });
    const log: string[] = [];
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    log.push(`${at()}: ${f.slots.length} processes up`);

    // The killer fires kill k once run `at` has started and runs are in flight. The driver never runs far
    // ahead of the schedule (a restart can take longer than a cycle's runs): past `at + CONCURRENCY` it
    // waits for the kill, and once the killer is ready (the previous process is back) it releases a few
    // more runs, so that the kill lands among runs in flight however fast or slow the machine is.
    let fired = 0;
    let ready = -1;
    let killerError: unknown;
    const inFlightAtKill: number[] = [];
    const killer = (async () => {
      for (const [k, kill] of schedule.entries()) {
        ready = k;
        await until(() => driver.started > kill.at && driver.started - driver.done > 0, 300_000, () => `kill ${k} at run ${kill.at}: ${driver.started} started, ${driver.done} done`, 5);
        await sleep(kill.delayMs);
        const candidates = f.of(kill.kind);
        const slot = candidates[Math.floor(kill.pick * candidates.length)]!;
        inFlightAtKill.push(driver.started - driver.done);
        log.push(`${at()}: SIGKILL ${slot.name} (${driver.started} runs started, ${driver.done} done)`);
        await f.kill(slot);
        fired++;
        await sleep(kill.downMs);
        await f.start(slot);
      }
    })().catch((err) => {
      killerError = err;
      throw err;
    });
    const gate = async (i: number) => {
      for (;;) {
        if (killerError) throw new Error('the kill schedule failed');
        if (fired >= schedule.length) return;
        const limit = schedule[fired]!.at + CONCURRENCY + (ready >= fired ? 2 * CONCURRENCY : 0);
        if (i < limit) return;
        await sleep(10);
      }
    };
    const pump = driver.verifyPump();
    await Promise.all([driver.runAll(records, CONCURRENCY, gate), killer]);
    const loadSeconds = (Date.now() - t0) / 1000;
    log.push(`${at()}: all ${RUNS} runs driven`);
    f.assertNoCrash();
    const outboxAged = await settle(db.sql, 90_000, () => `${log.join('\n')}\n${f.outputs()}`);
    log.push(`${at()}: settled`);
    await pump.stop();
    f.assertNoCrash();
    console.log(log.join('\n'));

    // After all that, a clean SIGTERM still shuts every process down gracefully.
    const codes = await f.stopAll();
    expect(codes, 'exit codes after SIGTERM').toEqual(Object.fromEntries(f.slots.map((s) => [s.name, 0])));

    const figures = await checkExactlyOnce(db.sql, records, receiver);
    console.log(
      `[faults:kills] ${JSON.stringify({
        seed, ...figures,
        kills: { server: f.kills('server'), worker: f.kills('worker') },
        requests: driver.stats.requests, attempts: driver.stats.attempts, network_errors: driver.stats.networkErrors, unavailable_503: driver.stats.unavailable,
        in_flight_at_kills: inFlightAtKill, verify_calls: pump.calls(), verify_checked_on_demand: pump.checked(), slowest_verify_call: pump.slowest(), slowest_attempt: driver.stats.slowest, outbox_leases_aged: outboxAged,
        load_seconds: loadSeconds, total_seconds: (Date.now() - t0) / 1000,
      })}`,
    );
    if (driver.stats.anomalies.length) console.log(f.outputs());
    expect(driver.stats.anomalies, 'answers the product must never give').toEqual([]);
    expect(driver.stats.notFound, 'a listed envelope answered 404').toEqual([]);
    expect(f.kills('server') + f.kills('worker')).toBe(CYCLES);
  }, 120_000 + RUNS * 400 + CYCLES * 15_000);
});
