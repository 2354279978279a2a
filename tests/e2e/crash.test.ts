// Crash safety: the real server as a child process, a few hundred runs driven through approval while it is
// SIGKILLed at random moments and restarted. Afterwards every run has exactly one of every row it should.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../server/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { EMAILS } from '../helpers/fixtures.ts';
import { freePort, startProduct, type Child } from '../helpers/process.ts';

const RUNS = Number(process.env.CRASH_RUNS ?? 240);
const KILLS = 4;
const SECRET = 'crash-webhook-secret-0123456789';
const TOKEN = 'crash-approver-token-0123456789';

let db: TestDatabase;
let child: Child | undefined;
let port: number;
const env = () => ({ DATABASE_URL: db.url, PORT: String(port), WEBHOOK_SECRET: SECRET, APPROVER_TOKENS: `mike:${TOKEN}`, LOG_LEVEL: 'warn' });

beforeAll(async () => {
  db = await createTestDatabase();
  port = await freePort();
});
afterAll(async () => {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  await db.drop();
});

const base = () => `http://127.0.0.1:${port}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries through refused connections and 5xx while the server is down or restarting. */
async function persist(req: () => Promise<Response>): Promise<Response> {
  for (;;) {
    try {
      const res = await req();
      if (res.status < 500) return res;
    } catch {
      /* server down */
    }
    await sleep(50);
  }
}

async function drive(i: number): Promise<number> {
  const e = EMAILS[i % EMAILS.length]!;
  const body = JSON.stringify({ email_uuid: `crash-${i}`, reason_text: e.subject, email: { from: e.from, subject: e.subject, body: e.body } });
  const started = await persist(() =>
    fetch(`${base()}/webhooks/triage`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, body) }, body }),
  );
  expect([200, 202]).toContain(started.status);
  const { run_id } = (await started.json()) as { run_id: number };
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json' };
  const list = await persist(() => fetch(`${base()}/proposed-actions?run_id=${run_id}&action_type=workflow_customer_invoice_dispute`, { headers: auth }));
  const envelope = ((await list.json()) as { items: { id: number }[] }).items[0]!;
  const decided = await persist(() => fetch(`${base()}/proposed-actions/${envelope.id}/approve`, { method: 'POST', headers: auth, body: '{}' }));
  // 409 means an earlier attempt was applied and its answer was lost with the process: exactly what we test.
  expect([200, 409]).toContain(decided.status);
  return run_id;
}

describe('crash safety', () => {
  it(`loses and repeats nothing across ${KILLS} SIGKILLs while ${RUNS} runs go through approval`, async () => {
    child = await startProduct(env());
    let next = 0;
    const ids: number[] = [];
    const workers = Array.from({ length: 8 }, async () => {
      while (next < RUNS) ids.push(await drive(next++));
    });
    const killer = (async () => {
      for (let k = 0; k < KILLS; k++) {
        await sleep(400 + Math.random() * 1200);
        child!.proc.kill('SIGKILL');
        await child!.exited;
        child = await startProduct(env());
      }
    })();
    await Promise.all([...workers, killer]);
    expect(new Set(ids).size).toBe(RUNS);

    const rows = await db.sql`
      SELECT r.id, r.status, r.event_count,
        (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'workflow_customer_invoice_dispute')::int AS envelopes,
        (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'customer_email')::int AS emails,
        (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'customer_escalation')::int AS escalations,
        (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'ar_hold_review')::int AS holds,
        (r.snapshot->'context'->>'prior_disputes')::int AS prior,
        (SELECT count(*) FROM approval_decisions d WHERE d.run_id = r.id)::int AS decisions,
        (SELECT count(*) FROM workflow_run_log l WHERE l.run_id = r.id)::int AS logs,
        (SELECT count(*) FROM reflexion_log l WHERE l.run_id = r.id)::int AS reflexions,
        (SELECT count(*) FROM event_ledger l WHERE l.run_id = r.id)::int AS ledger,
        (SELECT count(*) FROM workflow_verify_results v WHERE v.run_id = r.id)::int AS verifies,
        (SELECT count(*) FROM timers t WHERE t.run_id = r.id)::int AS timers,
        (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id)::int AS journal,
        (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'APPROVE')::int AS approvals
      FROM runs r ORDER BY r.id`;
    expect(rows).toHaveLength(RUNS);
    for (const r of rows) {
      expect(r, `run ${r.id}`).toMatchObject({
        status: 'verifying', envelopes: 1, emails: 1, escalations: 1, holds: r.prior >= 2 ? 1 : 0, decisions: 1,
        logs: 1, reflexions: 1, ledger: 1, verifies: 1, timers: 0, approvals: 1, journal: r.event_count,
      });
    }
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 240_000);
});
