// The pages in a real browser (Debian's Chromium driven by playwright-core) against the real server and a
// fresh database: the statechart drawn from the machine, a run followed live from triage to verifying with an
// approval clicked on the approvals page, the runs list filters, live counts on the contract page, and the
// token gate. Screenshots go to test-results/browser/ (UPDATE_DOCS_SCREENSHOT=1 also writes docs/inspector.png).
import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium, watchOffline } from '../helpers/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, holdReviewRule } from '../../machines/contract.ts';
import { disputeMachine } from '../../machines/dispute.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { transitionKey, walkConfig } from '../helpers/machineWalk.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results/browser';

let db: TestDatabase;
let srv: TestServer;
let browser: Browser;
let context: BrowserContext;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [db, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
  srv = await startTestServer(db.sql);
  // One context for all pages (as one browser profile): each page still has its own sessionStorage, so each
  // signs in; the statechart's layout, cached in localStorage, is computed by elkjs once.
  context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await db?.drop();
  expect(pageErrors).toEqual([]);
});

async function open(path: string, opts: { signIn?: boolean } = {}): Promise<Page> {
  const page = await context.newPage();
  await watchOffline(page, pageErrors, path);
  await page.goto(`${srv.url}${path}`);
  if (opts.signIn !== false) await signIn(page);
  return page;
}

async function signIn(page: Page, token = TOKEN) {
  await page.fill('#token-input', token);
  await page.click('.auth-form button[type=submit]');
  if (token === TOKEN) {
    await page.waitForSelector('.auth-state');
    await page.waitForSelector('#live-state[data-state="live"]');
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });
const text = async (page: Page, sel: string) => ((await page.textContent(sel)) ?? '').replace(/\s+/g, ' ').trim();

async function triage(customer: number, uuid: string): Promise<number> {
  const res = await srv.triage(triageFor((e) => e.expected.customer_id === customer, uuid));
  expect(res.status).toBe(202);
  return ((await res.json()) as { run_id: number }).run_id;
}

describe('inspector: the statechart', () => {
  it('draws every state and every transition of the machine, labelled with events and guards, without a token', async () => {
    const page = await open('/inspector', { signIn: false });
    await page.waitForSelector('#chart-canvas[data-ready="true"] svg.statechart');
    const walked = walkConfig(disputeMachine);

    const states = await page.$$eval('g.state', (gs) => gs.map((g) => ({ id: g.getAttribute('data-state-id')!, type: g.getAttribute('data-state-type')! })));
    expect(states.map((s) => s.id).sort()).toEqual(walked.states.map((s) => s.id).sort());
    expect(Object.fromEntries(states.map((s) => [s.id, s.type]))).toEqual(Object.fromEntries(walked.states.map((s) => [s.id, s.type])));

    const edges = await page.$$eval('g.transition', (gs) =>
      gs.map((g) => ({ source: g.getAttribute('data-source')!, target: g.getAttribute('data-target')!, kind: g.getAttribute('data-kind')!, event: g.getAttribute('data-event')!, guard: g.getAttribute('data-guard') || null, id: g.getAttribute('data-edge-id')!, d: g.querySelector('path')!.getAttribute('d') ?? '' })));
    expect(edges.map(transitionKey).sort()).toEqual(walked.transitions.map(transitionKey).sort());
    expect(edges.filter((e) => !/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/.test(e.d))).toEqual([]); // every edge routed

    // Every transition has its label on screen: the event (or always / onDone) and the guard in brackets.
    const labels = await page.$$eval('g.transition-label', (gs) =>
      gs.map((g) => ({ id: g.getAttribute('data-edge-id')!, text: [...g.querySelectorAll('text')].map((t) => t.textContent).join(' '), w: (g as SVGGElement).getBBox().width })));
    const expected = walked.transitions.map((t) => `${t.kind === 'always' ? 'always' : t.kind === 'done' ? 'onDone' : t.event}${t.guard ? ` [${t.guard}]` : ''}`);
    expect(labels.map((l) => l.text).sort()).toEqual(expected.sort());
    expect(labels.every((l) => l.w > 10)).toBe(true);
    expect(labels.map((l) => l.text)).toContain(`always [${holdReviewRule(CONTRACT)}]`);

    // Laid out, not stacked: no two states that are not nested overlap.
    const boxes = await page.$$eval('g.state', (gs) => gs.map((g) => { const b = (g as SVGGElement).getBoundingClientRect(); return { id: g.getAttribute('data-state-id')!, x: b.x, y: b.y, w: b.width, h: b.height }; }));
    const overlaps = boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) =>
      !a.id.startsWith(`${b.id}.`) && !b.id.startsWith(`${a.id}.`) && a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1).map((b) => `${a.id} / ${b.id}`));
    expect(overlaps).toEqual([]);

    // Nothing private without the token.
    await page.waitForSelector('#runs-body .locked');
    expect(await text(page, '#runs-body')).toMatch(/Sign in with the approver's token/);
    expect(await page.$$('.run-item')).toHaveLength(0);
    await shot(page, 'inspector-machine');
    await page.close();
  });
});

describe('a run, live, from triage to verifying', () => {
  let runId: number;
  let inspector: Page;

  it('shows the new run and lights up awaitingApproval without a reload', async () => {
    inspector = await open('/inspector');
    await inspector.evaluate(() => ((window as Window & { __sameDocument?: boolean }).__sameDocument = true));
    runId = await triage(1002, 'browser-live-1');
    await inspector.click(`.run-item[data-run-id="${runId}"]`); // appears through the live feed
    await inspector.waitForSelector('g.state.leaf.active[data-state-path="awaitingApproval"]');
    expect(await inspector.$$eval('g.state.leaf.active', (gs) => gs.map((g) => g.getAttribute('data-state-path')))).toEqual(['awaitingApproval']);
    expect(await text(inspector, '#active-state')).toBe('awaitingApproval');
    expect(await inspector.$$eval('#timeline .entry .event', (es) => es.map((e) => e.textContent))).toEqual(['xstate.init', 'EXTRACTED', 'CONTEXT_LOADED', 'APPROVAL_STAGED']);
    expect(await text(inspector, '#proposals-panel')).toContain('workflow_customer_invoice_dispute');
    await shot(inspector, 'inspector-awaiting-approval');
  });

  it('approves on the approvals page with a click; the outcome shows at once', async () => {
    const page = await open('/proposed-actions');
    const card = `article.case[data-run-id="${runId}"]`;
    await page.waitForSelector(card);
    const facts = await text(page, card);
    expect(facts).toContain('Bluewater Marine');
    expect(facts).toContain('INV-004143');
    expect(facts).toMatch(/\$3,007\.58/); // invoice amount
    expect(facts).toMatch(/PRC — /); // reason
    expect(facts).toMatch(/left to decide/); // time left in the approval window
    expect(facts).toMatch(/Evidence \(extraction\)/);
    const envelope = `${card} section[data-action-type="workflow_customer_invoice_dispute"]`;
    const envelopeId = await page.getAttribute(envelope, 'data-proposal-id');
    await page.fill(`${envelope} textarea`, 'Price difference confirmed with sales');
    await page.click(`${envelope} button[data-action="approve"]`);
    const outcome = await page.waitForSelector(`#outcomes li[data-proposal-id="${envelopeId}"]`);
    expect(await outcome.textContent()).toMatch(/approved by mike\. The run is now verifying\./);
    // The fan-out staged the drafted reply: it is now pending, with subject and body (editable).
    await page.waitForSelector(`${card} [data-proposal="customer_email"]`);
    expect(await page.inputValue(`${card} [data-proposal="customer_email"] input.subject`)).toMatch(/INV-004143/);
    expect(await page.inputValue(`${card} [data-proposal="customer_email"] textarea.email-body`)).toMatch(/INV-004143/);
    await shot(page, 'approvals-after-approve');
    const decided = (await (await srv.api('GET', `/proposed-actions/${envelopeId}`)).json()) as { status: string; decision_note: string };
    expect(decided).toMatchObject({ status: 'approved', decision_note: 'Price difference confirmed with sales' });
    await page.close();
  });

  it('follows the run to verifying in the inspector, still without a reload; a journal entry shows the chart as it was', async () => {
    await inspector.waitForSelector('g.state.leaf.active[data-state-path="verifying"]');
    expect(await inspector.evaluate(() => (window as Window & { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await text(inspector, '#run-status')).toBe('verifying');
    expect(await inspector.$$eval('#timeline .entry', (es) => es.length)).toBe(7);
    expect(await text(inspector, '#changes-panel')).toContain('workflow_verify_results');
    await inspector.click('#zoom-fit');
    await shot(inspector, 'inspector-verifying');
    if (process.env.UPDATE_DOCS_SCREENSHOT) await inspector.screenshot({ path: 'docs/inspector.png' });

    await inspector.click('#timeline .entry[data-seq="1"]'); // EXTRACTED: trigger → context
    await inspector.waitForSelector('svg.statechart[data-view="history"] g.state.leaf.active[data-state-path="context"]');
    expect(await inspector.$$eval('g.state.leaf.active', (gs) => gs.length)).toBe(1);
    expect(await inspector.getAttribute('g.transition[data-event="EXTRACTED"]', 'class')).toContain('taken');

    await inspector.click('#timeline .entry[data-seq="4"]'); // APPROVE: into the parallel fan-out
    const fanOut = await inspector.$$eval('g.state.leaf.active', (gs) => gs.map((g) => g.getAttribute('data-state-path')).sort());
    expect(fanOut).toEqual(['fanOut.arHoldDecision.skipped', 'fanOut.draftResponse.running', 'fanOut.escalate.running']);

    await inspector.click('#chart-caption button'); // back to live
    await inspector.waitForSelector('svg.statechart[data-view="live"] g.state.leaf.active[data-state-path="verifying"]');
    await inspector.close();
  });
});

describe('runs list, contract counts, approvals gate', () => {
  it('filters runs by status and customer, with counts per status', async () => {
    const other = await triage(1003, 'browser-filter-1');
    const page = await open('/inspector');
    await page.waitForSelector(`.run-item[data-run-id="${other}"]`);
    expect(await text(page, '.chip[data-status="all"]')).toBe('all 2');
    await page.click('.chip[data-status="verifying"]');
    await page.waitForFunction(() => document.querySelectorAll('.run-item').length === 1);
    expect(await page.getAttribute('.run-item', 'data-run-id')).not.toBe(String(other));
    await page.selectOption('#f-status', '');
    await page.fill('#f-customer', '1003');
    await page.click('.filters button[type=submit]');
    await page.waitForFunction((id) => [...document.querySelectorAll('.run-item')].map((b) => (b as HTMLElement).dataset.runId).join() === String(id), other);
    await page.selectOption('#f-age', 'older_than_hours=24');
    await page.waitForSelector('#runs-body .empty');
    await page.close();
  });

  it('updates the contract page counts live', async () => {
    const page = await open('/contract');
    await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-count="awaiting_approval"]')?.textContent ?? ''));
    const before = Number(await text(page, '[data-count="awaiting_approval"]'));
    expect(await text(page, '#queries')).toContain('FROM ar_disputes');
    await triage(1005, 'browser-contract-1');
    await page.waitForFunction((n) => document.querySelector('[data-count="awaiting_approval"]')?.textContent === String(n), before + 1);
    await shot(page, 'contract');
    await page.close();
  });

  it('shows nothing private without a valid token, and asks for a reason before rejecting', async () => {
    const page = await open('/proposed-actions', { signIn: false });
    await page.waitForSelector('#cases .locked');
    expect(await text(page, '#cases')).toMatch(/Sign in with the approver's token/);
    await signIn(page, 'wrong-token-0123456789');
    await page.waitForSelector('.auth-error:text("not accepted")');
    expect(await page.$$('article.case')).toHaveLength(0);
    await signIn(page);
    const card = 'article.case[data-run-id]:has(section[data-action-type="workflow_customer_invoice_dispute"])';
    await page.waitForSelector(card);
    const envelope = `${card} section[data-action-type="workflow_customer_invoice_dispute"]`;
    const id = await page.getAttribute(envelope, 'data-proposal-id');

    // A live update (a new run arriving) keeps what the approver is typing, and shows the new run's warnings.
    await page.fill(`${envelope} textarea`, 'half-written note');
    const warned = await triage(1016, 'browser-warn-1');
    await page.waitForSelector(`article.case[data-run-id="${warned}"] .warnings .badge.warn`);
    expect(await text(page, `article.case[data-run-id="${warned}"] .warnings`)).toMatch(/was not found in the NetSuite mirror/);
    expect(await page.inputValue(`section[data-proposal-id="${id}"] textarea`)).toBe('half-written note');

    await page.fill(`section[data-proposal-id="${id}"] textarea`, '');
    await page.click(`section[data-proposal-id="${id}"] button[data-action="reject"]`);
    expect(await text(page, `section[data-proposal-id="${id}"] .form-error`)).toBe('Give a reason to reject.');
    expect(((await (await srv.api('GET', `/proposed-actions/${id}`)).json()) as { status: string }).status).toBe('pending');
    await page.fill(`section[data-proposal-id="${id}"] textarea`, 'Duplicate of an earlier dispute');
    await page.click(`section[data-proposal-id="${id}"] button[data-action="reject"]`);
    const outcome = await page.waitForSelector(`#outcomes li[data-proposal-id="${id}"]`);
    expect(await outcome.textContent()).toMatch(/rejected by mike\. The run is now rejected\./);
    await page.close();
  });
});
