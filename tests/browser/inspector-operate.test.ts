// The inspector in a real browser (Debian's Chromium, playwright-core) against the real server and a fresh
// database: the approver starts a dispute by hand from the "New dispute" form (POST /runs with the page's
// token), the new run opens in the inspector; a refused field is shown next to its input and writes
// nothing; and the replay panel shows the replayed path beside the recorded one, with no divergence.
import { mkdirSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, watchOffline } from '../helpers/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { EMAILS } from '../helpers/fixtures.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results/browser';

let db: TestDatabase;
let srv: TestServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const posts: unknown[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [db, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
  srv = await startTestServer(db.sql);
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await watchOffline(page, pageErrors);
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/runs') posts.push({ auth: r.headers().authorization, body: r.postDataJSON() }); });
  await page.goto(`${srv.url}/inspector`);
  expect(await page.isHidden('#new-dispute')).toBe(true);
  await page.fill('#token-input', TOKEN);
  await page.click('.auth-form button[type=submit]');
  await page.waitForSelector('#live-state[data-state="live"]');
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await db?.drop();
  expect(pageErrors).toEqual([]);
});

const runCount = async () => (await db.sql`SELECT count(*)::int AS n FROM runs`)[0]!.n as number;

describe('New dispute (inspector)', () => {
  it('names a refused field next to its input and writes nothing', async () => {
    await page.click('#new-dispute > summary');
    await page.fill('#nd-from', 'Someone <someone@example.com>');
    await page.fill('#nd-subject', 'Invoice question');
    await page.fill('#nd-body', 'Please look at our invoice.');
    await page.fill('#nd-customer', 'twelve');
    await page.click('.new-dispute-form button[type=submit]');
    expect(await page.textContent('#nd-customer-error')).toBe('must be a customer id (digits)');
    // Refused by the server: an invoice reference with a NUL is a 400 naming invoice_ref.
    await page.fill('#nd-customer', '');
    await page.fill('#nd-invoice', 'INV-\u0000-1');
    await page.click('.new-dispute-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#nd-invoice-error')?.textContent !== '');
    expect(await page.textContent('#nd-invoice-error')).toContain('NUL');
    expect(await page.getAttribute('#nd-invoice', 'aria-invalid')).toBe('true');
    expect(await runCount()).toBe(0);
  });

  it('starts a run from a pasted email through POST /runs and opens it in the inspector', async () => {
    const e = EMAILS.find((x) => x.email_uuid.startsWith('b61e6ba5'))!;
    await page.fill('#nd-from', e.from);
    await page.fill('#nd-subject', e.subject);
    await page.fill('#nd-body', e.body);
    await page.fill('#nd-customer', '1002');
    await page.fill('#nd-invoice', 'INV-004143');
    await page.click('.new-dispute-form button[type=submit]');
    await page.waitForFunction(() => /^#run=\d+$/.test(location.hash));
    const runId = Number(/\d+/.exec(await page.evaluate(() => location.hash))![0]);
    await page.waitForSelector('#run-title');
    expect(await page.textContent('#run-title')).toContain(`Run #${runId}`);
    expect(await page.textContent('#run-status')).toBe('awaiting approval');
    expect(await page.isVisible('#nd-from')).toBe(false); // the form closed
    const last = posts.at(-1) as { auth: string; body: Record<string, any> };
    expect(last.auth).toBe(`Bearer ${TOKEN}`);
    expect(last.body).toMatchObject({ reason_text: e.subject, customer_id: 1002, invoice_ref: 'INV-004143', email: { from: e.from, subject: e.subject, body: e.body } });
    const run = (await (await srv.api('GET', `/runs/${runId}`)).json()) as Record<string, any>;
    expect(run).toMatchObject({ run_id: runId, invoked_by: 'mike', status: 'awaiting_approval', customer_id: 1002, extraction: { invoice_ref: 'INV-004143' } });
    expect(run.context.input.email).toMatchObject({ from: e.from, subject: e.subject, body: e.body });
    expect(await runCount()).toBe(1);
    await page.waitForSelector(`.run-item[data-run-id="${runId}"]`);
  });

  it('shows the replayed path beside the recorded one: no divergence through the current machine', async () => {
    const runId = Number(/\d+/.exec(await page.evaluate(() => location.hash))![0]);
    const env = ((await (await srv.api('GET', `/runs/${runId}`)).json()) as { proposed_actions: { id: number }[] }).proposed_actions[0]!.id;
    expect((await srv.api('POST', `/proposed-actions/${env}/approve`, {})).status).toBe(200);
    await page.waitForFunction(() => document.querySelector('#run-status')?.textContent === 'verifying');
    await page.click('#replay-panel > summary');
    await page.waitForSelector('#replay-summary');
    expect(await page.getAttribute('#replay-summary', 'data-diverged')).toBe('false');
    expect(await page.textContent('#replay-summary')).toContain('No divergence');
    const rows = await page.$$eval('table.replay-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => (td.textContent ?? '').trim())));
    const api = (await (await srv.api('GET', `/runs/${runId}/replay`)).json()) as { steps: { seq: number; event_type: string }[] };
    expect(rows.map((r) => [Number(r[0]), r[1], r[4]])).toEqual(api.steps.map((st) => [st.seq, st.event_type, 'same']));
    expect(rows.at(-1)!.slice(2, 4)).toEqual(['verifying', 'verifying']);
    await page.screenshot({ path: `${SHOTS}/inspector-replay.png`, fullPage: false });
  });
});
