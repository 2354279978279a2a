// The closed loop at the gate, through the real API on an ephemeral port, real PostgreSQL and a real SMTP
// server over TCP: the approver corrects what the reader found, edits the drafted reply, approves, and the
// approved mail goes out once, threaded, through the outbox; failures retry, fail visibly and alert.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT } from '../../machines/contract.ts';
import { dispatchOutbox, type OutboxDeps } from '../../runtime/outbox.ts';
import { folderMailer, smtpMailer } from '../../runtime/mailer.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { sign } from '../../server/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { EMAILS, triageFor } from '../helpers/fixtures.ts';
import { freePort } from '../helpers/process.ts';
import { parseMail, startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ERP_SECRET = 'erp-webhook-secret-0123456789';
let db: TestDatabase;
let srv: TestServer;
let smtp: TestSmtp;
let erp: Server;
let erpUrl: string;
const erpReceived: { headers: IncomingMessage['headers']; body: string }[] = [];
const policy = CONTRACT.retry_policy;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startSmtp();
  erp = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      erpReceived.push({ headers: req.headers, body });
      res.end();
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => erp.once('listening', r));
  erpUrl = `http://127.0.0.1:${(erp.address() as AddressInfo).port}/erp`;
  srv = await startTestServer(db.sql, { notifyUrl: erpUrl });
});
afterAll(async () => {
  await srv.close();
  await smtp.close();
  erp.close();
  await db.drop();
});

const outbox = (o: Partial<OutboxDeps> = {}): OutboxDeps => ({
  sql: db.sql, clock: srv.clock, secret: ERP_SECRET, mailer: smtpMailer(smtp.url, 5000), notifyUrl: erpUrl, deliveryTimeoutMs: 5000, ...o,
});
const json = async (r: Response) => (await r.json()) as any;
const auth = (extra: Record<string, string> = {}) => ({ authorization: 'Bearer test-approver-token-0123456789', accept: 'application/json', 'content-type': 'application/json', ...extra });
const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}${p}`, { method: 'POST', headers: auth(headers), body: JSON.stringify(body) });

/** A sample email of the customer as a triage event, with its Message-ID. */
function triage(uuid: string, pred: Parameters<typeof triageFor>[0]) {
  const t = triageFor(pred, uuid);
  return { ...t, email: { ...t.email, message_id: `<${uuid}@mail.customer.example>` } };
}

async function startRun(uuid: string, pred: Parameters<typeof triageFor>[0]) {
  const res = await srv.triage(triage(uuid, pred));
  expect(res.status).toBe(202);
  const { run_id } = await json(res);
  const list = await json(await srv.api('GET', `/proposed-actions?run_id=${run_id}&action_type=${CONTRACT.hitl.action_type}`));
  return { run_id: run_id as number, envelope: list.items[0] as { id: number; etag: string; payload: any } };
}

const proposalOf = async (runId: number, actionType: string) =>
  (await json(await srv.api('GET', `/proposed-actions?run_id=${runId}&action_type=${actionType}`))).items[0] as { id: number; etag: string; payload: any; status: string };
const runOf = async (runId: number) => json(await srv.api('GET', `/runs/${runId}`));

async function writesOf(runId: number) {
  const [c] = await db.sql`SELECT
    (SELECT count(*) FROM run_journal WHERE run_id = ${runId})::int AS journal,
    (SELECT count(*) FROM approval_decisions WHERE run_id = ${runId})::int AS decisions,
    (SELECT count(*) FROM corrections WHERE run_id = ${runId})::int AS corrections,
    (SELECT count(*) FROM outbox WHERE run_id = ${runId})::int AS outbox,
    (SELECT count(*) FROM proposed_actions WHERE run_id = ${runId} AND status = 'pending')::int AS pending`;
  return c;
}

const PRC_1002 = (e: (typeof EMAILS)[number]) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC';

describe('corrections at the gate', () => {
  it('drafts the reply, escalation and run log from the corrected reason and amount, and keeps the reader’s values as facts', async () => {
    const { run_id, envelope } = await startRun('loop-reason', PRC_1002);
    const before = await runOf(run_id);
    expect(before.extraction.reason_code).toBe('PRC');
    const res = await post(`/proposed-actions/${envelope.id}/approve`, { note: 'it is a discount', corrections: { reason_code: 'DSC', disputed_amount: 50 } });
    expect(res.status).toBe(200);
    const run = await runOf(run_id);
    expect(run.extraction).toMatchObject({ reason_code: 'DSC', disputed_amount: 50, invoice_ref: before.extraction.invoice_ref });
    expect(run.corrections.map((c: any) => [c.field, c.from, c.to, c.by])).toEqual([
      ['reason_code', 'PRC', 'DSC', 'mike'],
      ['disputed_amount', before.extraction.disputed_amount, 50, 'mike'],
    ]);
    // The approve event in the journal carries the corrections; the drafts follow them.
    const approve = run.journal.find((j: any) => j.event.type === 'APPROVE');
    expect(approve.event.corrections).toEqual({ reason_code: 'DSC', disputed_amount: 50 });
    // Only the reason and amount changed: no context reload, straight to the fan-out.
    expect(Object.keys(approve.state_after)).toEqual(['fanOut']);
    const escalation = await proposalOf(run_id, 'customer_escalation');
    expect(escalation.payload.subject).toMatch(/\(DSC\)$/);
    expect(escalation.payload.body).toContain('Disputed amount: $50.00');
    const reply = await proposalOf(run_id, 'customer_email');
    expect(reply.payload.body).not.toBe('');
    expect(reply.payload.subject).toBe(`Re: ${triage('x', PRC_1002).email.subject}`);
    expect(run.run_log.summary_json.reason_code).toBe('DSC');
  });

  it('re-loads the context for a corrected invoice in the same transaction, through the recontext state', async () => {
    const { run_id, envelope } = await startRun('loop-invoice', PRC_1002);
    const res = await post(`/proposed-actions/${envelope.id}/approve`, { corrections: { invoice_ref: 'inv-004132' } });
    expect(res.status).toBe(200);
    const run = await runOf(run_id);
    expect(run.extraction.invoice_ref).toBe('INV-004132');
    expect(run.context.loaded.invoice.tranid).toBe('INV-004132');
    const states = run.journal.map((j: any) => (typeof j.state_after === 'string' ? j.state_after : Object.keys(j.state_after)[0]));
    expect(states).toContain('recontext');
    // APPROVE and CONTEXT_LOADED share the decision's transaction: one timestamp.
    const approveAt = run.journal.find((j: any) => j.event.type === 'APPROVE').at;
    expect(run.journal.filter((j: any) => j.event.type === 'CONTEXT_LOADED').map((j: any) => j.at)).toContain(approveAt);
    expect((await proposalOf(run_id, 'customer_escalation')).payload.body).toContain('INV-004132');
    expect(run.corrections).toMatchObject([{ field: 'invoice_ref', to: 'INV-004132' }]);
  });

  it.each([
    [{ reason_code: 'XYZ' }, 'corrections.reason_code'],
    [{ invoice_ref: 'INV-004156' }, 'corrections.invoice_ref'], // another customer's invoice
    [{ invoice_ref: 'INV-999999' }, 'corrections.invoice_ref'],
    [{ customer_id: 999999 }, 'corrections.customer_id'],
    [{ disputed_amount: -5 }, 'corrections.disputed_amount'],
    [{}, 'corrections'],
    [{ reason: 'PRC' }, 'corrections'],
  ])('refuses %j with 400 naming %s, and writes nothing', async (corrections, field) => {
    const { run_id, envelope } = await startRun(`loop-bad-${field}-${JSON.stringify(corrections).length}-${Math.random()}`, PRC_1002);
    const before = await writesOf(run_id);
    const res = await post(`/proposed-actions/${envelope.id}/approve`, { corrections });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.details.map((d: any) => d.field)).toContain(field);
    expect(await writesOf(run_id)).toEqual(before);
    expect((await runOf(run_id)).status).toBe('awaiting_approval');
  });

  it('refuses edits on the envelope and corrections on a drafted reply', async () => {
    const { run_id, envelope } = await startRun('loop-misplaced', PRC_1002);
    expect((await post(`/proposed-actions/${envelope.id}/approve`, { edits: { body: 'x' } })).status).toBe(400);
    expect((await post(`/proposed-actions/${envelope.id}/approve`, {})).status).toBe(200);
    const reply = await proposalOf(run_id, 'customer_email');
    const res = await post(`/proposed-actions/${reply.id}/approve`, { corrections: { reason_code: 'DSC' } });
    expect(res.status).toBe(400);
    expect((await json(res)).error.details[0].field).toBe('corrections');
    const edits = await post(`/proposed-actions/${reply.id}/approve`, { edits: { subject: 'two\r\nBcc: x@evil.example' } });
    expect(edits.status).toBe(400);
    expect((await proposalOf(run_id, 'customer_email')).status).toBe('pending');
  });

  it('exports corrected runs as labeled examples', async () => {
    const res = await fetch(`${srv.url}/corrections?format=jsonl`, { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    const reason = lines.find((l) => l.email_uuid === 'loop-reason');
    expect(reason).toMatchObject({ labels: { reason_code: 'DSC', disputed_amount: 50 }, corrections: { reason_code: { from: 'PRC', to: 'DSC' } }, corrected_by: 'mike' });
    expect(reason.email.body).toContain('INV-004143');
  });
});

describe('approval bound to what was shown', () => {
  it('answers 412 with the current proposal for a stale If-Match and writes nothing; the shown ETag approves', async () => {
    const { run_id, envelope } = await startRun('loop-etag', PRC_1002);
    const one = await srv.api('GET', `/proposed-actions/${envelope.id}`);
    expect(one.headers.get('etag')).toBe(`"${envelope.etag}"`);
    const before = await writesOf(run_id);
    const stale = await post(`/proposed-actions/${envelope.id}/approve`, {}, { 'if-match': `"${'0'.repeat(64)}"` });
    expect(stale.status).toBe(412);
    const body = await json(stale);
    expect(body.error.code).toBe('precondition_failed');
    expect(body.proposed_action).toMatchObject({ id: envelope.id, etag: envelope.etag, status: 'pending' });
    expect(await writesOf(run_id)).toEqual(before);
    expect((await post(`/proposed-actions/${envelope.id}/reject`, { reason: 'x' }, { 'if-match': '"abc"' })).status).toBe(400);
    const ok = await post(`/proposed-actions/${envelope.id}/approve`, {}, { 'if-match': `W/"${envelope.etag}", "${'1'.repeat(64)}"` });
    expect(ok.status).toBe(200);
    const [decision] = await db.sql`SELECT shown_sha256 FROM approval_decisions WHERE proposed_action_id = ${envelope.id}`;
    expect(decision!.shown_sha256).toBe(envelope.etag);
  });
});

describe('carrying out what is approved', () => {
  it('mails the edited reply once, threaded, from MAIL_FROM; the run, journal, ledger and response_sent check say so', async () => {
    const { run_id, envelope } = await startRun('loop-mail', PRC_1002);
    expect((await post(`/proposed-actions/${envelope.id}/approve`, {})).status).toBe(200);
    const reply = await proposalOf(run_id, 'customer_email');
    const approved = await post(`/proposed-actions/${reply.id}/approve`, { note: 'softer', edits: { body: 'Dear customer,\nWe are on it.\n' } }, { 'if-match': `"${reply.etag}"` });
    expect(approved.status).toBe(200);
    const decided = await json(approved);
    expect(decided).toMatchObject({ status: 'approved', edits: { body: 'Dear customer,\nWe are on it.\n' }, delivery: { status: 'queued', channel: 'email' } });
    // Nothing is sent before commit-time delivery; then exactly once.
    expect(smtp.received.filter((m) => m.header('message-id') === decided.delivery.message_id)).toHaveLength(0);
    const outcomes = await dispatchOutbox(outbox());
    expect(outcomes.filter((o) => o.status === 'delivered').length).toBeGreaterThanOrEqual(1);
    await dispatchOutbox(outbox());
    const mails = smtp.received.filter((m) => m.header('message-id') === decided.delivery.message_id);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual([/<([^>]+)>/.exec(triage('x', PRC_1002).email.from)![1]]);
    expect(mail.header('from')).toBe('Accounts Receivable <ar@disputeflow.localhost>');
    expect(mail.header('subject')).toBe(`Re: ${triage('x', PRC_1002).email.subject}`);
    expect(mail.header('in-reply-to')).toBe('<loop-mail@mail.customer.example>');
    expect(mail.header('references')).toBe('<loop-mail@mail.customer.example>');
    expect(mail.body.replace(/\r\n/g, '\n')).toContain('Dear customer,\nWe are on it.');
    const run = await runOf(run_id);
    expect(run.deliveries).toEqual([
      expect.objectContaining({ proposed_action_id: reply.id, channel: 'email', status: 'sent', message_id: decided.delivery.message_id, attempts: 1, last_error: null }),
    ]);
    expect(run.journal.map((j: any) => j.event.type)).toEqual(expect.arrayContaining(['proposal.approved', 'delivery.sent']));
    expect(run.ledger_events.filter((e: any) => e.event_type === 'delivery.sent')).toHaveLength(1);
    // response_sent and response_drafted are verified on schedule, each announced once on the ledger.
    srv.clock.advance(61_000);
    const results = await runDueChecks({ sql: db.sql, clock: srv.clock, effects: srv.effects, notifyUrl: erpUrl });
    expect(results.filter((r) => r.run_id === run_id).map((r) => [r.check_name, r.result]).sort()).toEqual([['response_drafted', 'pass'], ['response_sent', 'pass']]);
    const after = await runOf(run_id);
    expect(after.status).toBe('completed');
    expect(after.ledger_events.filter((e: any) => e.event_type === 'workflow.verified').map((e: any) => [e.payload.check, e.payload.result]).sort()).toEqual([
      ['response_drafted', 'pass'],
      ['response_sent', 'pass'],
    ]);
  });

  it('mails an approved escalation to the sales rep', async () => {
    const { run_id, envelope } = await startRun('loop-escalate', PRC_1002);
    await post(`/proposed-actions/${envelope.id}/approve`, {});
    const esc = await proposalOf(run_id, 'customer_escalation');
    const decided = await json(await post(`/proposed-actions/${esc.id}/approve`, { edits: { subject: 'Please look at this one' } }));
    await dispatchOutbox(outbox());
    const mail = smtp.received.find((m) => m.header('message-id') === decided.delivery.message_id)!;
    expect(mail.to).toEqual([esc.payload.to.email]);
    expect(mail.header('subject')).toBe('Please look at this one');
    expect(mail.header('in-reply-to')).toBeUndefined();
  });

  it('retries a refused delivery by the contract, then fails it visibly with an alert, a journal entry and a ledger event', async () => {
    const { run_id, envelope } = await startRun('loop-refused', PRC_1002);
    await post(`/proposed-actions/${envelope.id}/approve`, {});
    const reply = await proposalOf(run_id, 'customer_email');
    expect((await post(`/proposed-actions/${reply.id}/approve`, {})).status).toBe(200);
    const dead = smtpMailer(`smtp://127.0.0.1:${await freePort()}`, 2000);
    const first = (await dispatchOutbox(outbox({ mailer: dead }))).filter((o) => o.status !== 'delivered');
    expect(first.map((o) => [o.status, o.attempt])).toEqual([['retry', 1]]);
    expect(first[0]!.error).toMatch(/ECONNREFUSED/);
    expect(await dispatchOutbox(outbox({ mailer: dead }))).toEqual([]); // not due before the backoff
    srv.clock.advance(policy.base_ms);
    const second = (await dispatchOutbox(outbox({ mailer: dead }))).filter((o) => o.status !== 'delivered');
    expect(second.map((o) => [o.status, o.attempt])).toEqual([['failed', policy.max_attempts]]);
    const run = await runOf(run_id);
    expect(run.deliveries[0]).toMatchObject({ status: 'failed', attempts: 2, last_error: expect.stringMatching(/ECONNREFUSED/) });
    expect(run.alerts.filter((a: any) => a.kind === 'delivery_failed')).toHaveLength(1);
    expect(run.journal.at(-1).event).toMatchObject({ type: 'delivery.failed', proposed_action_id: reply.id });
    expect(run.ledger_events.filter((e: any) => e.event_type === 'delivery.failed')).toHaveLength(1);
    // response_sent then fails on schedule, and the ledger says so.
    srv.clock.advance(61_000);
    await runDueChecks({ sql: db.sql, clock: srv.clock, effects: srv.effects, notifyUrl: erpUrl });
    const verified = (await runOf(run_id)).ledger_events.filter((e: any) => e.event_type === 'workflow.verified');
    expect(verified.find((e: any) => e.payload.check === 'response_sent').payload.result).toBe('fail');
  });

  it('writes the message as an .eml file under the mail folder when no SMTP server is configured', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'disputeflow-mail-'));
    try {
      const { run_id, envelope } = await startRun('loop-eml', PRC_1002);
      await post(`/proposed-actions/${envelope.id}/approve`, {});
      const reply = await proposalOf(run_id, 'customer_email');
      const decided = await json(await post(`/proposed-actions/${reply.id}/approve`, { edits: { body: 'Written to a file.\n' } }));
      await dispatchOutbox(outbox({ mailer: folderMailer(dir) }));
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      const eml = parseMail(readFileSync(path.join(dir, files[0]!), 'utf8'));
      expect(eml.header('message-id')).toBe(decided.delivery.message_id);
      expect(eml.header('in-reply-to')).toBe('<loop-eml@mail.customer.example>');
      expect(eml.body).toContain('Written to a file.');
      expect((await runOf(run_id)).deliveries[0].status).toBe('sent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands an approved hold to the ERP (signed ar_hold.approved) and marks the account, which the next envelope shows', async () => {
    const holdCustomer = (e: (typeof EMAILS)[number]) => e.expected.customer_id === 1003;
    const { run_id, envelope } = await startRun('loop-hold', holdCustomer);
    await post(`/proposed-actions/${envelope.id}/approve`, {});
    const review = await proposalOf(run_id, 'ar_hold_review');
    expect(review).toBeDefined();
    await post(`/proposed-actions/${review.id}/approve`, { note: 'agreed' });
    await dispatchOutbox(outbox());
    const hook = erpReceived.map((r) => ({ ...r, json: JSON.parse(r.body) })).find((r) => r.json.event_type === 'ar_hold.approved' && r.json.proposed_action_id === review.id)!;
    expect(hook.json).toMatchObject({ customer_id: 1003, run_id, decision: review.payload.recommendation, approved_by: 'mike', note: 'agreed' });
    expect(hook.headers['x-signature']).toBe(sign(ERP_SECRET, hook.body));
    expect(hook.headers['idempotency-key']).toBe(`delivery:proposed_action_${review.id}`);
    if (review.payload.recommendation === 'hold') {
      const next = await startRun('loop-hold-next', holdCustomer);
      expect(next.envelope.payload.hold_requested).toMatchObject({ run_id, proposed_action_id: review.id, by: 'mike' });
    }
    expect((await runOf(run_id)).deliveries).toEqual([expect.objectContaining({ channel: 'erp_webhook', status: 'sent' })]);
  });
});
