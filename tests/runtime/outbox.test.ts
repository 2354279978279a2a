// The outbox dispatcher: ledger events announced to a webhook, signed, with an idempotency key, retried by
// the contract's policy (3000 ms), and an alert when delivery finally fails.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, retryDelayMs } from '../../machines/contract.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun } from '../../runtime/engine.ts';
import { dispatchOutbox } from '../../runtime/outbox.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { sign } from '../../server/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

const SECRET = 'outbox-secret-0123456789abcdef';
let db: TestDatabase;
let receiver: Server;
let url: string;
let answers: number[] = [];
const received: { headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => receiver.once('listening', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  receiver.close();
  await db.drop();
});

async function completeRun(clock: ManualClock, uuid: string, notifyUrl: string) {
  const deps = { sql: db.sql, clock, effects: effectRegistry(), notifyUrl };
  const { run } = await startRun(deps, { ...triageFor((e) => e.expected.customer_id === 1002, uuid), customer_id: null, invoice_ref: null, invoked_by: 't' });
  const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id}`;
  await applyEvent(deps, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: null, at: clock.now().toISOString() });
  return run.id;
}

/** The contract's retry policy, read rather than repeated. */
const policy = CONTRACT.retry_policy;
const FIRST_RETRY_MS = retryDelayMs(policy, 1);

describe('outbox dispatcher', () => {
  it('delivers workflow.completed signed, retrying once after the policy’s first delay when the receiver fails', async () => {
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const runId = await completeRun(clock, 'outbox-1', url);
    answers = [503, 200];
    const out = { sql: db.sql, clock, secret: SECRET };
    expect(await dispatchOutbox(out)).toEqual([expect.objectContaining({ status: 'retry', attempt: 1, error: 'receiver answered 503' })]);
    clock.advance(FIRST_RETRY_MS - 1);
    expect(await dispatchOutbox(out)).toEqual([]);
    clock.advance(1);
    expect(await dispatchOutbox(out)).toEqual([expect.objectContaining({ status: 'delivered', attempt: 2 })]);
    const last = received.at(-1)!;
    expect(last.headers['x-signature']).toBe(sign(SECRET, last.body));
    expect(last.headers['idempotency-key']).toBe(`notify:customer_invoice_dispute:run_${runId}:outcome`);
    expect(last.headers['x-delivery-attempt']).toBe('2');
    // the body names the ledger event it announces (its id comes from the same statement that recorded it)
    const [event] = await db.sql<{ id: number }[]>`SELECT id FROM event_ledger WHERE idempotency_key = ${`customer_invoice_dispute:run_${runId}:outcome`}`;
    expect(JSON.parse(last.body)).toEqual({
      id: event!.id,
      event_type: 'workflow.completed',
      idempotency_key: `customer_invoice_dispute:run_${runId}:outcome`,
      run_id: runId,
      payload: expect.objectContaining({ run_id: runId, outcome: 'completed' }),
      occurred_at: '2026-11-20T10:00:00.000Z',
    });
    const [row] = await db.sql`SELECT status, attempts FROM outbox WHERE run_id = ${runId}`;
    expect(row).toEqual({ status: 'delivered', attempts: 2 });
  });

  it('marks a delivery failed after the last attempt and raises an alert', async () => {
    const clock = new ManualClock('2026-11-20T11:00:00Z');
    const runId = await completeRun(clock, 'outbox-2', 'http://127.0.0.1:9/closed');
    const out = { sql: db.sql, clock, secret: SECRET };
    expect((await dispatchOutbox(out))[0]).toMatchObject({ status: 'retry' });
    clock.advance(FIRST_RETRY_MS);
    expect((await dispatchOutbox(out))[0]).toMatchObject({ status: 'failed', attempt: policy.max_attempts, error: expect.stringMatching(/delivery failed/) });
    const [alert] = await db.sql`SELECT kind, message FROM alerts WHERE run_id = ${runId}`;
    expect(alert).toMatchObject({ kind: 'delivery_failed', message: expect.stringMatching(new RegExp(`failed after ${policy.max_attempts} attempt`)) });
  });

  it('writes no outbox row when no notification URL is configured', async () => {
    const clock = new ManualClock('2026-11-20T12:00:00Z');
    const deps = { sql: db.sql, clock, effects: effectRegistry() };
    const { run } = await startRun(deps, { ...triageFor((e) => e.expected.customer_id === 1002, 'outbox-3'), customer_id: null, invoice_ref: null, invoked_by: 't' });
    const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id}`;
    await applyEvent(deps, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: null, at: clock.now().toISOString() });
    expect(await db.sql`SELECT count(*)::int AS n FROM outbox WHERE run_id = ${run.id}`).toEqual([{ n: 0 }]);
  });
});
