// Scale-out: two worker processes (`npm run worker`) on one database fire every due timer exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { EMAILS } from '../helpers/fixtures.ts';
import { startProduct, waitFor, type Child } from '../helpers/process.ts';

const RUNS = 120;
let db: TestDatabase;
const workers: Child[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await db.drop();
});

describe('two worker processes', () => {
  it('expire every overdue run exactly once between them', async () => {
    // Runs started two hours ago: their 60-minute approval windows are already due.
    const clock = new ManualClock(new Date(Date.now() - 2 * 3_600_000));
    const deps = { sql: db.sql, clock, effects: effectRegistry() };
    for (let i = 0; i < RUNS; i++) {
      const e = EMAILS[i % EMAILS.length]!;
      await startRun(deps, { email_uuid: `w-${i}`, customer_id: null, invoice_ref: null, reason_text: e.subject, email: { from: e.from, subject: e.subject, body: e.body }, invoked_by: 't' });
    }
    const env = { DATABASE_URL: db.url, WEBHOOK_SECRET: 'worker-secret-0123456789', APPROVER_TOKENS: 'mike:worker-token-0123456789' };
    workers.push(...(await Promise.all([startProduct(env, ['--worker']), startProduct(env, ['--worker'])])));
    await waitFor(async () => (await db.sql`SELECT count(*)::int AS n FROM timers`)[0]!.n === 0, 60_000, () => workers.map((w) => w.output()).join('\n'));
    const rows = await db.sql`
      SELECT r.status, (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'APPROVAL_EXPIRED')::int AS expiries,
        (SELECT count(*) FROM approval_decisions d WHERE d.run_id = r.id AND d.decision = 'expired')::int AS decisions
      FROM runs r`;
    expect(rows).toHaveLength(RUNS);
    for (const r of rows) expect(r).toEqual({ status: 'expired', expiries: 1, decisions: 1 });
    for (const w of workers) {
      w.proc.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    }
  }, 120_000);
});
