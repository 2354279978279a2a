// One message per approved reply, even across a crash: the real product (a child process) sends the
// approved reply to a real SMTP server, which receives the whole message and then the sender is SIGKILLed
// before the server answers. After a restart the lease expires and the message goes out again — with the
// same Message-ID, so the receiver (or the customer's mail client) sees one message, never two different ones.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sign } from '../../server/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { freePort, startProduct, waitFor, type Child } from '../helpers/process.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';

const SECRET = 'mail-crash-webhook-secret-0123456789';
const TOKEN = 'mail-crash-approver-token-0123456789';
let db: TestDatabase;
let smtp: TestSmtp;
let child: Child | undefined;
let port: number;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startSmtp();
  port = await freePort();
});
afterAll(async () => {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  await smtp.close();
  await db.drop();
});

const start = () =>
  startProduct({
    DATABASE_URL: db.url, PORT: String(port), WEBHOOK_SECRET: SECRET, APPROVER_TOKENS: `mike:${TOKEN}`, LOG_LEVEL: 'warn',
    SMTP_URL: smtp.url, DELIVERY_TIMEOUT_MS: '1000',
  });
const api = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json', 'content-type': 'application/json' } });

it('sends the approved reply with one Message-ID across a SIGKILL between the decision and the server’s answer', async () => {
  child = await start();
  const t = triageFor((e) => e.expected.customer_id === 1002, 'mail-crash-1');
  const body = JSON.stringify({ ...t, email: { ...t.email, message_id: '<mail-crash-1@customer.example>' } });
  const started = await fetch(`http://127.0.0.1:${port}/webhooks/triage`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, body) }, body });
  const { run_id } = (await started.json()) as { run_id: number };
  const proposals = async () => ((await (await api(`/proposed-actions?run_id=${run_id}`)).json()) as { items: { id: number; action_type: string }[] }).items;
  const envelope = (await proposals()).find((p) => p.action_type === 'workflow_customer_invoice_dispute')!;
  expect((await api(`/proposed-actions/${envelope.id}/approve`, { method: 'POST', body: '{}' })).status).toBe(200);
  const reply = (await proposals()).find((p) => p.action_type === 'customer_email')!;

  // The first copy arrives whole; the sender dies before the server says 250.
  const killed = new Promise<void>((resolve) => {
    smtp.onMessage = () => {
      smtp.onMessage = undefined;
      child!.proc.kill('SIGKILL');
      resolve();
      return false;
    };
  });
  expect((await api(`/proposed-actions/${reply.id}/approve`, { method: 'POST', body: '{"edits":{"body":"Sent once.\\n"}}' })).status).toBe(200);
  await killed;
  await child.exited;
  child = await start();
  let delivery: { status: string; message_id: string; attempts: number } | undefined;
  await waitFor(async () => {
    const run = (await (await api(`/runs/${run_id}`)).json()) as { deliveries: (typeof delivery)[] };
    delivery = run.deliveries[0];
    return delivery?.status === 'sent';
  }, 30_000, () => `delivery: ${JSON.stringify(delivery)}\n${child!.output()}`);

  const copies = smtp.received.filter((m) => m.header('in-reply-to') === '<mail-crash-1@customer.example>');
  expect(copies).toHaveLength(2); // the one the dead process sent, and the retry
  expect(new Set(copies.map((m) => m.header('message-id')))).toEqual(new Set([delivery!.message_id]));
  expect(copies.every((m) => m.body.includes('Sent once.'))).toBe(true);
  expect(delivery!.attempts).toBe(2);
  const [n] = await db.sql`SELECT count(*)::int AS n FROM outbox WHERE proposed_action_id = ${reply.id}`;
  expect(n!.n).toBe(1);
});
