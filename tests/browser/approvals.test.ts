// The approver's closed loop in a real browser (Debian's Chromium driven by playwright-core) against the real
// server and a fresh database: the reader's reason corrected on the envelope (a wrong invoice refused next to
// its input first), the drafted reply's body edited and approved, every decision sent with If-Match = the
// ETag the page showed, the reply delivered through the outbox into an .eml folder exactly as edited, the
// run's corrections and delivery visible through the API, on the approvals page, on the Sent mail page and in
// the inspector's timeline. A proposal changed behind the page's back (a direct SQL update: nothing in the
// app changes a staged payload) is refused with 412 and reloaded. UPDATE_DOCS_SCREENSHOT=1 also writes
// docs/approvals.png.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium, watchOffline } from '../helpers/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emlName, folderMailer } from '../../runtime/mailer.ts';
import { dispatchOutbox } from '../../runtime/outbox.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { SECRET, startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results/browser';
const HITL = 'workflow_customer_invoice_dispute';
const CUSTOMER_MESSAGE_ID = '<po-67784.query.1@bluewatermarine.example>';
const ADDED = 'Our shipping team will call you tomorrow morning about the damaged spools.';

let db: TestDatabase;
let srv: TestServer;
let browser: Browser;
let context: BrowserContext;
let mailDir: string;
const pageErrors: string[] = [];

interface Decision {
  url: string;
  ifMatch: string | undefined;
  body: unknown;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mailDir = mkdtempSync(path.join(tmpdir(), 'disputeflow-mail-'));
  [db, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
  srv = await startTestServer(db.sql);
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await db?.drop();
  rmSync(mailDir, { recursive: true, force: true });
  expect(pageErrors).toEqual([]);
});

/** Opens a page signed in, offline (any other origin fails the test), recording every decision it posts. */
async function open(p: string, decisions: Decision[] = []): Promise<Page> {
  const page = await context.newPage();
  await watchOffline(page, pageErrors, p);
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/proposed-actions\/\d+\/(approve|reject)$/.test(r.url())) {
      decisions.push({ url: new URL(r.url()).pathname, ifMatch: r.headers()['if-match'], body: r.postDataJSON() });
    }
  });
  await page.goto(`${srv.url}${p}`);
  await page.fill('#token-input', TOKEN);
  await page.click('.auth-form button[type=submit]');
  await page.waitForSelector('.auth-state');
  await page.waitForSelector('#live-state[data-state="live"]');
  return page;
}

const text = async (page: Page, sel: string) => ((await page.textContent(sel)) ?? '').replace(/\s+/g, ' ').trim();
const json = async <T = any>(res: Response): Promise<T> => (await res.json()) as T;

/** The proposal as the API shows it, and its ETag header. */
async function proposal(id: string | number) {
  const res = await srv.api('GET', `/proposed-actions/${id}`);
  expect(res.status).toBe(200);
  return { etag: res.headers.get('etag')!, body: await json(res) };
}

/** An .eml file's text: headers as they are, the body decoded from quoted-printable or base64. */
function readEml(file: string): { headers: string; body: string } {
  const raw = readFileSync(file, 'utf8');
  const split = raw.indexOf('\n\n');
  const headers = raw.slice(0, split).replace(/\n[ \t]+/g, ' ');
  let body = raw.slice(split + 2);
  const cte = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (cte === 'quoted-printable') {
    const bytes: number[] = [];
    const qp = body.replace(/=\r?\n/g, '');
    for (let i = 0; i < qp.length; i++) {
      if (qp[i] === '=' && /^[0-9A-F]{2}$/i.test(qp.slice(i + 1, i + 3))) {
        bytes.push(parseInt(qp.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(qp.charCodeAt(i));
    }
    body = Buffer.from(bytes).toString('utf8');
  } else if (cte === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, body };
}

describe('the approver corrects, edits, and what is approved is carried out', () => {
  let runId: number;
  let envelopeId: string;
  let replyId: string;
  let escalationId: string;
  let approvals: Page;
  const decisions: Decision[] = [];
  const card = () => `article.case[data-run-id="${runId}"]`;

  it('corrects the reason on the envelope (a wrong invoice is refused next to its input first) and approves it, bound by If-Match', async () => {
    const body = triageFor((e) => e.expected.customer_id === 1002, 'browser-correct-1');
    const res = await srv.triage({ ...body, email: { ...body.email, message_id: CUSTOMER_MESSAGE_ID } });
    expect(res.status).toBe(202);
    runId = (await json<{ run_id: number }>(res)).run_id;

    approvals = await open('/proposed-actions', decisions);
    const envelope = `${card()} section[data-action-type="${HITL}"]`;
    await approvals.waitForSelector(envelope);
    envelopeId = (await approvals.getAttribute(envelope, 'data-proposal-id'))!;
    const { etag } = await proposal(envelopeId);

    // Prefilled with what the reader found; the reason's evidence shown beside the select.
    expect(await text(approvals, `${envelope} fieldset.corrections legend`)).toBe('Correct what the reader found');
    expect(await approvals.inputValue(`#reason-${envelopeId}`)).toBe('PRC');
    expect(await approvals.$$eval(`#reason-${envelopeId} option`, (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(
      ['PRC', 'DSC', 'QTY', 'DMG', 'WRG', 'NRC', 'SNR', 'DUP', 'PAID', 'CRN', 'TAX', 'TRM', 'PO', 'FRT', 'NOI', 'OTH']);
    expect(await text(approvals, `#reason-${envelopeId} option[value="DMG"]`)).toBe('DMG — Damaged or defective goods');
    // The hint quotes the evidence, then the model's top two reasons with their probabilities and its version.
    expect(await text(approvals, `#reason-${envelopeId}-hint`)).toMatch(/^The reader chose PRC \(\d+ % confident\) from Pricing discrepancy on INV-004143 Top two: PRC \d+ % · [A-Z]+ \d+ % \(model lr-[0-9a-f]{12}\)$/); // (the quote marks are the q element's)
    expect(await approvals.inputValue(`#invoice-${envelopeId}`)).toBe('INV-004143');
    expect(await approvals.inputValue(`#customer-${envelopeId}`)).toBe('1002');
    expect(await approvals.inputValue(`#amount-${envelopeId}`)).toBe('172.80');
    // Every control on the page has a label.
    expect(await approvals.$$eval('main input, main select, main textarea', (xs) => xs.filter((x) => !(x as HTMLInputElement).labels?.length).map((x) => x.outerHTML))).toEqual([]);

    // An invoice this customer does not have: the server's message lands next to the invoice input, nothing is written.
    await approvals.fill(`#invoice-${envelopeId}`, 'INV-999999');
    await approvals.click(`${envelope} button[data-action="approve"]`);
    await approvals.waitForSelector(`#invoice-${envelopeId}-error:text("no invoice INV-999999")`);
    expect(await text(approvals, `#invoice-${envelopeId}-error`)).toBe('customer 1002 has no invoice INV-999999 in the NetSuite mirror');
    expect(await approvals.getAttribute(`#invoice-${envelopeId}`, 'aria-invalid')).toBe('true');
    expect(await approvals.getAttribute(`#invoice-${envelopeId}`, 'aria-describedby')).toContain(`invoice-${envelopeId}-error`);
    expect(await text(approvals, `#reason-${envelopeId}-error`)).toBe('');
    expect((await proposal(envelopeId)).body.status).toBe('pending');
    expect(decisions).toEqual([{ url: `/proposed-actions/${envelopeId}/approve`, ifMatch: etag, body: { corrections: { invoice_ref: 'INV-999999' } } }]);

    // Put the invoice back, correct the reason: only the changed field is sent.
    await approvals.fill(`#invoice-${envelopeId}`, 'INV-004143');
    expect(await text(approvals, `#invoice-${envelopeId}-error`)).toBe(''); // fixed: the message goes
    expect(await approvals.getAttribute(`#invoice-${envelopeId}`, 'aria-invalid')).toBeNull();
    await approvals.selectOption(`#reason-${envelopeId}`, 'DMG');
    await approvals.fill(`${envelope} #note-${envelopeId}`, 'The customer reports damage, not a price issue');
    await approvals.setViewportSize({ width: 1400, height: 1080 });
    await approvals.evaluate(() => window.scrollTo(0, 0));
    await approvals.screenshot({ path: `${SHOTS}/approvals-corrections.png` });
    if (process.env.UPDATE_DOCS_SCREENSHOT) await approvals.screenshot({ path: 'docs/approvals.png' });
    await approvals.setViewportSize({ width: 1400, height: 1000 });
    await approvals.click(`${envelope} button[data-action="approve"]`);
    const outcome = await approvals.waitForSelector(`#outcomes li.ok[data-proposal-id="${envelopeId}"]`);
    expect(await outcome.textContent()).toMatch(/approved by mike \(corrected reason\)\. The run is now verifying\./);
    expect(decisions[1]).toEqual({
      url: `/proposed-actions/${envelopeId}/approve`,
      ifMatch: etag,
      body: { note: 'The customer reports damage, not a price issue', corrections: { reason_code: 'DMG' } },
    });

    // The decided envelope shows the correction; the reply is drafted from the corrected reason.
    await approvals.waitForSelector(`${card()} li.decided[data-proposal-id="${envelopeId}"] .corrections-done li[data-field="reason_code"]`);
    expect(await text(approvals, `${card()} li.decided[data-proposal-id="${envelopeId}"] .corrections-done`)).toBe('Reason: PRC → DMG (by mike)');
    const reply = `${card()} section[data-action-type="customer_email"]`;
    await approvals.waitForSelector(reply);
    replyId = (await approvals.getAttribute(reply, 'data-proposal-id'))!;
    expect(await approvals.inputValue(`#body-${replyId}`)).toMatch(/damaged or defective goods|photos of the damage/i);
    expect(await approvals.inputValue(`#body-${replyId}`)).not.toMatch(/pricing error/i);
  });

  it("edits the drafted reply's body and approves it: only the body is sent as edits, with If-Match", async () => {
    const reply = `${card()} section[data-proposal-id="${replyId}"]`;
    const { etag } = await proposal(replyId);
    expect(await approvals.getAttribute(reply, 'data-etag')).toBe(etag.slice(1, -1));
    const subject = await approvals.inputValue(`#subject-${replyId}`);
    expect(subject).toBe('Re: Pricing discrepancy on INV-004143');
    const drafted = await approvals.inputValue(`#body-${replyId}`);
    const edited = drafted.replace(/\n\n/, `\n\n${ADDED}\n\n`);
    expect(edited).not.toBe(drafted);
    await approvals.fill(`#body-${replyId}`, edited);
    await approvals.click(`${reply} button[data-action="approve"]`);
    const outcome = await approvals.waitForSelector(`#outcomes li.ok[data-proposal-id="${replyId}"]`);
    expect(await outcome.textContent()).toMatch(/approved by mike \(edited body\)\. The run is now verifying\. Delivery: queued\./);
    expect(decisions.slice(2)).toEqual([{ url: `/proposed-actions/${replyId}/approve`, ifMatch: etag, body: { edits: { body: edited } } }]);

    // Decided: the edit and the queued delivery show on the run's card (its escalation is still pending).
    const done = `${card()} li.decided[data-proposal-id="${replyId}"]`;
    await approvals.waitForSelector(`${done} .delivery[data-status="queued"]`);
    expect(await text(approvals, `${done} details.edits summary`)).toBe('Edited by the approver: body');
    expect(await text(approvals, `${done} details.edits pre`)).toContain(ADDED);

    // The outbox dispatcher (not running in the test server) delivers it into an .eml folder.
    const out = await dispatchOutbox({ sql: db.sql, clock: srv.clock, secret: SECRET, mailer: folderMailer(mailDir) });
    expect(out.map((o) => o.status)).toEqual(['delivered']);
    const sent = (await proposal(replyId)).body;
    expect(sent.delivery).toMatchObject({ channel: 'email', status: 'sent', attempts: 1, last_error: null });
    expect(sent.edits).toEqual({ body: edited });
    const messageId: string = sent.delivery.message_id;
    expect(readdirSync(mailDir)).toEqual([emlName(messageId)]);
    const eml = readEml(path.join(mailDir, emlName(messageId)));
    expect(eml.body.replace(/\r\n/g, '\n')).toContain(ADDED);
    expect(eml.body.replace(/\r\n/g, '\n').trim()).toBe(edited.trim());
    expect(eml.headers).toMatch(/^Subject: Re: Pricing discrepancy on INV-004143$/m);
    expect(eml.headers).toContain(`Message-ID: ${messageId}`);
    expect(eml.headers).toContain(`In-Reply-To: ${CUSTOMER_MESSAGE_ID}`);
    expect(eml.headers).toMatch(/^To: .*james\.okafor@bluewatermarine\.example/m);

    // The page follows the delivery live: sent, with its Message-ID.
    await approvals.waitForSelector(`${done} .delivery[data-status="sent"]`);
    expect(await text(approvals, `${done} .delivery`)).toContain(`Message-ID ${messageId}`);
  });

  it('shows the run with the correction and the delivery through the API', async () => {
    const run = await json(await srv.api('GET', `/runs/${runId}`));
    expect(run.status).toBe('verifying');
    expect(run.extraction.reason_code).toBe('DMG');
    expect(run.corrections).toEqual([{ field: 'reason_code', from: 'PRC', to: 'DMG', by: 'mike', at: expect.any(String), proposed_action_id: Number(envelopeId) }]);
    expect(run.deliveries).toEqual([expect.objectContaining({ proposed_action_id: Number(replyId), channel: 'email', status: 'sent', attempts: 1, subject: 'Re: Pricing discrepancy on INV-004143' })]);
    const events = run.journal.map((j: any) => j.event);
    expect(events.find((e: any) => e.type === 'APPROVE')).toMatchObject({ action_id: Number(envelopeId), by: 'mike', corrections: { reason_code: 'DMG' } });
    expect(events.find((e: any) => e.type === 'proposal.approved')).toMatchObject({ proposed_action_id: Number(replyId), action_type: 'customer_email', by: 'mike', edits: { body: expect.stringContaining(ADDED) } });
    expect(events.find((e: any) => e.type === 'delivery.sent')).toMatchObject({ proposed_action_id: Number(replyId), channel: 'email', message_id: run.deliveries[0].message_id });
    // A note leaves the state as it was.
    for (const j of run.journal.filter((x: any) => /^(proposal|delivery)\./.test(x.event.type))) expect(j.state_after).toEqual(j.state_before);
    // The run's proposals carry edits and delivery as GET /proposed-actions does.
    const reply = run.proposed_actions.find((p: any) => p.id === Number(replyId));
    expect(reply).toMatchObject({ status: 'approved', edits: { body: expect.stringContaining(ADDED) }, delivery: { status: 'sent', message_id: run.deliveries[0].message_id } });
  });

  it('refuses a decision on a proposal changed since the page loaded it (412), says so and reloads it', async () => {
    const esc = `${card()} section[data-action-type="customer_escalation"]`;
    escalationId = (await approvals.getAttribute(esc, 'data-proposal-id'))!;
    const before = await proposal(escalationId);
    expect(await approvals.inputValue(`#subject-${escalationId}`)).toBe(before.body.payload.subject);
    // Nothing in the app rewrites a staged payload; a direct update stands in for a change made elsewhere.
    const changedSubject = `${before.body.payload.subject} [revised]`;
    await db.sql`UPDATE proposed_actions SET payload = jsonb_set(payload, '{subject}', to_jsonb(${changedSubject}::text)) WHERE id = ${Number(escalationId)}`;
    const after = await proposal(escalationId);
    expect(after.etag).not.toBe(before.etag);

    await approvals.click(`${esc} button[data-action="approve"]`);
    await approvals.waitForSelector(`section[data-proposal-id="${escalationId}"] .stale`);
    expect(await text(approvals, `section[data-proposal-id="${escalationId}"] .stale`)).toBe('This proposal changed since you loaded it. It has been reloaded: check it and decide again.');
    expect(await text(approvals, `#outcomes li.fail[data-proposal-id="${escalationId}"]`)).toContain('changed since you loaded it');
    expect(decisions.at(-1)).toEqual({ url: `/proposed-actions/${escalationId}/approve`, ifMatch: before.etag, body: {} });
    expect((await proposal(escalationId)).body.status).toBe('pending');
    // Reloaded: the new subject and the new ETag; approving now goes through.
    await approvals.waitForFunction(([id, s]) => (document.getElementById(`subject-${id}`) as HTMLInputElement | null)?.value === s, [escalationId, changedSubject] as const);
    expect(await approvals.getAttribute(`section[data-proposal-id="${escalationId}"]`, 'data-etag')).toBe(after.etag.slice(1, -1));
    await approvals.click(`section[data-proposal-id="${escalationId}"] button[data-action="approve"]`);
    await approvals.waitForSelector(`#outcomes li.ok[data-proposal-id="${escalationId}"]`);
    expect(decisions.at(-1)).toEqual({ url: `/proposed-actions/${escalationId}/approve`, ifMatch: after.etag, body: {} });
    expect((await proposal(escalationId)).body).toMatchObject({ status: 'approved', delivery: { status: 'queued' } });
    // Nothing left to decide on this run: its decisions move to "Recently decided", deliveries and correction included.
    await approvals.waitForSelector(`#recent-body li.decided[data-proposal-id="${escalationId}"] .delivery[data-status="queued"]`);
    expect(await approvals.$(card())).toBeNull();
    expect(await text(approvals, `#recent-body li.decided[data-proposal-id="${replyId}"] .delivery`)).toMatch(/^sent email · 2026-11-20 16:00:00 UTC · Message-ID <disputeflow\.run-/);
    expect(await text(approvals, `#recent-body li.decided[data-proposal-id="${envelopeId}"] .corrections-done`)).toBe('Reason: PRC → DMG (by mike)');
    await approvals.screenshot({ path: `${SHOTS}/approvals-recently-decided.png`, fullPage: true });
    // Every decision the page made carried If-Match.
    expect(decisions.every((d) => /^"[0-9a-f]{64}"$/.test(d.ifMatch ?? ''))).toBe(true);
    await approvals.close();
  });

  it('lists the mail on the Sent mail page: filter by status, read the text and headers, follow a delivery live', async () => {
    const { body: reply } = await proposal(replyId);
    const page = await open('/mail');
    const row = `tr[data-proposed-action-id="${replyId}"]`;
    await page.waitForSelector(`${row}[data-status="sent"]`);
    expect(await text(page, `${row} .to`)).toBe('James Okafor <james.okafor@bluewatermarine.example>');
    expect(await text(page, `${row} .subject`)).toBe('Re: Pricing discrepancy on INV-004143');
    expect(await text(page, `${row} .status`)).toBe('sent');
    expect(await text(page, `${row} .message-id`)).toBe(reply.delivery.message_id);
    expect(await text(page, `${row} .sent-at`)).toMatch(/^2026-11-20 16:00:00 UTC$/);
    const escRow = `tr[data-proposed-action-id="${escalationId}"]`;
    expect(await page.getAttribute(escRow, 'data-status')).toBe('queued');

    await page.selectOption('#mail-status', 'sent');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-proposed-action-id]').length === 1);
    expect(await page.$(row)).not.toBeNull();
    await page.selectOption('#mail-status', 'failed');
    await page.waitForSelector('#mail-list .empty:text("No mail is failed.")');
    await page.selectOption('#mail-status', '');
    await page.waitForSelector(escRow);

    await page.click(`${row} button.open-message`);
    await page.waitForSelector(`#message article[data-proposed-action-id="${replyId}"]`);
    expect(await text(page, '#message dd[data-header="in-reply-to"]')).toBe(CUSTOMER_MESSAGE_ID);
    expect(await text(page, '#message dd[data-header="message-id"]')).toBe(reply.delivery.message_id);
    expect(await text(page, '#message dd[data-header="from"]')).toMatch(/@/);
    expect(await page.textContent('#message .message-text')).toContain(ADDED);
    await page.screenshot({ path: `${SHOTS}/sent-mail.png` });

    // The escalation goes out: the list follows without a reload.
    const out = await dispatchOutbox({ sql: db.sql, clock: srv.clock, secret: SECRET, mailer: folderMailer(mailDir) });
    expect(out.map((o) => o.status)).toEqual(['delivered']);
    await page.waitForSelector(`${escRow}[data-status="sent"]`);
    await page.close();
  });

  it("shows the correction on the APPROVE entry and the decisions and deliveries as notes in the inspector's timeline", async () => {
    const page = await open(`/inspector#run=${runId}`);
    await page.waitForSelector('#chart-canvas[data-ready="true"] svg.statechart[data-view="live"] g.state.leaf.active[data-state-path="verifying"]');
    await page.waitForSelector('#timeline .entry[data-event="delivery.sent"]');
    expect(await text(page, '#timeline .entry[data-event="APPROVE"] .entry-corrections')).toBe('Corrected: Reason: PRC → DMG (by mike)');
    const approvedNotes = await page.$$eval('#timeline .entry[data-event="proposal.approved"] .entry-note', (xs) => xs.map((x) => x.textContent));
    expect(approvedNotes).toEqual([
      `Reply #${replyId} approved by mike; the approver edited the body`,
      `Escalation #${escalationId} approved by mike`,
    ]);
    const { body: reply } = await proposal(replyId);
    expect(await text(page, `#timeline .entry[data-event="delivery.sent"] .entry-note`)).toBe(`Mail of proposal #${replyId} sent (attempt 1) · Message-ID ${reply.delivery.message_id}`);
    expect(await text(page, '#timeline .entry[data-event="delivery.sent"] .entry-move')).toBe('state unchanged: verifying');
    expect(await text(page, '#run-title')).toContain(`Run #${runId}`);
    expect(await text(page, '.run-head')).toContain('DMG (corrected from PRC by mike)');

    // Time travel onto a note shows the same state as the step before it.
    const live = await page.$$eval('g.state.leaf.active', (gs) => gs.map((g) => g.getAttribute('data-state-path')).sort());
    const seq = await page.getAttribute('#timeline .entry[data-event="proposal.approved"]', 'data-seq');
    await page.click(`#timeline .entry[data-seq="${seq}"]`);
    await page.waitForSelector('svg.statechart[data-view="history"]');
    expect(await page.$$eval('g.state.leaf.active', (gs) => gs.map((g) => g.getAttribute('data-state-path')).sort())).toEqual(live);
    expect(await text(page, '#chart-caption')).toContain(`after step ${seq} (proposal.approved): verifying`);
    expect(live).toEqual(['verifying']);

    // Side panels: the corrections and the deliveries.
    expect(await page.$$eval('#corrections-panel tbody tr', (rs) => rs.map((r) => [...r.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)))).toEqual([['Reason', 'PRC', 'DMG', 'mike']]);
    const deliveries = await page.$$eval('#deliveries-panel tbody tr', (rs) => rs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(deliveries.map((d) => [d[0], d[3]])).toEqual([[`#${replyId}`, 'sent'], [`#${escalationId}`, 'sent']]);
    expect(deliveries[0]![4]).toContain(reply.delivery.message_id);
    await page.screenshot({ path: `${SHOTS}/inspector-corrections.png` });
    await page.close();
  });
});
