// Memory on the approvals page, in a real browser (Debian's Chromium driven by playwright-core) against the
// real server and a fresh database: a customer's earlier runs, driven through the API (approved, rejected
// with a note, approved with the reason corrected), are shown on the next run's envelope under "History
// with this customer", newest first, the approver's note as text (never as markup).
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, watchOffline } from '../helpers/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT } from '../../machines/contract.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

const NOTE = 'no remittance <img src=x onerror="window.__pwned=1"> on file';
const DAY = 86_400_000;

let db: TestDatabase;
let srv: TestServer;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
  srv = await startTestServer(db.sql);
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await db?.drop();
  expect(pageErrors).toEqual([]);
});

const json = async (r: Response) => (await r.json()) as any;
const PAID_1017 = (e: { expected: { customer_id: number | null; reason_code: string } }) => e.expected.customer_id === 1017 && e.expected.reason_code === 'PAID';

async function start(uuid: string) {
  const res = await srv.triage(triageFor(PAID_1017, uuid));
  expect(res.status).toBe(202);
  const { run_id } = await json(res);
  const list = await json(await srv.api('GET', `/proposed-actions?run_id=${run_id}&action_type=${CONTRACT.hitl.action_type}`));
  return { run_id: run_id as number, envelope_id: list.items[0].id as number };
}
async function decide(id: number, verb: 'approve' | 'reject', body: unknown) {
  expect((await srv.api('POST', `/proposed-actions/${id}/${verb}`, body)).status).toBe(200);
}

async function open(p: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await watchOffline(page, pageErrors, p);
  await page.goto(`${srv.url}${p}`);
  await page.fill('#token-input', TOKEN);
  await page.click('.auth-form button[type=submit]');
  await page.waitForSelector('#live-state[data-state="live"]');
  return page;
}

describe('History with this customer, on the approvals page', () => {
  it('lists the customer’s earlier runs on the envelope, newest first, with decision, corrections and outcome', async () => {
    const a = await start('hist-a');
    await decide(a.envelope_id, 'approve', { note: 'payment found' });
    srv.clock.advance(DAY);
    const b = await start('hist-b');
    await decide(b.envelope_id, 'reject', { reason: NOTE });
    srv.clock.advance(DAY);
    const c = await start('hist-c');
    await decide(c.envelope_id, 'approve', { corrections: { reason_code: 'DSC', disputed_amount: 40 } });
    srv.clock.advance(DAY);
    const d = await start('hist-d');

    const page = await open('/proposed-actions');
    const section = `article.case[data-run-id="${d.run_id}"] section.customer-history`;
    await page.waitForSelector(section);
    expect(await page.textContent(`${section} caption`)).toBe('History with this customer (last 3 finished runs)');
    const rows = await page.$$eval(`${section} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.replace(/\s+/g, ' ').trim())));
    expect(rows).toEqual([
      [`#${c.run_id}`, '2026-11-22', 'INV-004454', 'PAID → DSC', 'approved by mike', 'Disputed amount: 12182.51 → 40', 'completed (now verifying)', 'pending'],
      [`#${b.run_id}`, '2026-11-21', 'INV-004454', 'PAID', `rejected by mike — “${NOTE}”`, '—', 'rejected', '—'],
      [`#${a.run_id}`, '2026-11-20', 'INV-004454', 'PAID', 'approved by mike — “payment found”', '—', 'completed (now verifying)', 'pending'],
    ]);
    // The run links open it in the inspector; the note stayed text.
    expect(await page.getAttribute(`${section} tbody tr:first-child a`, 'href')).toBe(`/inspector#run=${c.run_id}`);
    expect(await page.$(`${section} img`)).toBeNull();
    expect(await page.evaluate(() => Reflect.get(window, '__pwned'))).toBeUndefined();

    // The first run's cards (its reply and escalation wait for the approver) say it had no history.
    const first = `article.case[data-run-id="${a.run_id}"]`;
    await page.waitForSelector(first);
    expect((await page.textContent(`${first} .customer-history`))!.trim()).toBe('History with this customer: no earlier finished runs.');
    await page.close();
  });
});
