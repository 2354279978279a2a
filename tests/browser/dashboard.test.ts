// The AR dashboard in a real browser (Debian's Chromium, playwright-core) against the real server and a fresh
// database, after a few runs: every chart is drawn by Chart.js (served from node_modules, no other origin)
// with the numbers GET /api/kpis answers, each table beside it holds the same numbers, and the date range
// picker asks for another range. UPDATE_DOCS_SCREENSHOT=1 also writes docs/dashboard.png.
import { mkdirSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, watchOffline } from '../helpers/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { EXPECTED, kpiScenario } from '../helpers/kpiScenario.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

const SHOTS = 'test-results/browser';

let db: TestDatabase;
let srv: TestServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [db, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
  srv = await startTestServer(db.sql);
  await kpiScenario(srv, db.sql);
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  page = await context.newPage();
  await watchOffline(page, pageErrors);
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await db?.drop();
  expect(pageErrors).toEqual([]);
});

/** A KPI table's cells, row by row, as text. */
const tableOf = (id: string) =>
  page.$$eval(`table[data-kpi="${id}"] tbody tr`, (rows) => rows.map((r) => [...r.children].map((c) => (c.textContent ?? '').trim())));
/** What Chart.js draws on a canvas: its labels and each dataset's label and data. */
const chartOf = (id: string) =>
  page.evaluate((canvasId) => {
    const chart = (Reflect.get(window, 'Chart') as { getChart(id: string): any }).getChart(canvasId);
    if (!chart) return null;
    return { type: chart.config.type, labels: chart.data.labels, datasets: chart.data.datasets.map((d: any) => ({ label: d.label ?? null, data: d.data })), drawn: chart.width > 0 && chart.height > 0 };
  }, `${id}-chart`);

describe('/dashboard', () => {
  it('is linked from the navigation, asks for the token, then draws every KPI with its table', async () => {
    await page.goto(`${srv.url}/inspector`);
    await page.click('nav[aria-label="Pages"] a[href="/dashboard"]');
    await page.waitForURL(/\/dashboard$/);
    expect(await page.textContent('main')).toContain("Sign in with the approver's token");
    await page.fill('#token-input', TOKEN);
    await page.click('.auth-form button[type=submit]');
    await page.waitForSelector('#live-state[data-state="live"]');
    await page.waitForSelector('#kpis[data-rendered]');
    await page.fill('#kpi-from', EXPECTED.from);
    await page.fill('#kpi-to', EXPECTED.to);
    await page.click('#kpi-range button[type=submit]');
    await page.waitForSelector(`#kpis[data-rendered="${EXPECTED.from}..${EXPECTED.to}"]`);
    const api = (await (await srv.api('GET', `/api/kpis?from=${EXPECTED.from}&to=${EXPECTED.to}`)).json()) as typeof EXPECTED;
    expect(api).toMatchObject(EXPECTED);

    // Disputes per day by reason: one stacked dataset per reason over every day of the range.
    const perDay = await chartOf('kpi-disputes-per-day');
    expect(perDay).toMatchObject({ type: 'bar', labels: ['2026-11-20', '2026-11-21'], drawn: true });
    expect(perDay!.datasets).toEqual([
      { label: 'CRN', data: [1, 0] }, { label: 'DMG', data: [0, 1] }, { label: 'DSC', data: [1, 0] }, { label: 'PRC', data: [0, 1] }, { label: 'QTY', data: [1, 0] },
    ]);
    expect(await tableOf('kpi-disputes-per-day')).toEqual([['2026-11-20', '1', '0', '1', '0', '1'], ['2026-11-21', '0', '1', '0', '1', '0']]);

    // Open amount by age.
    const age = await chartOf('kpi-open-by-age');
    expect(age!.labels).toEqual(api.open_amount_by_age.map((b) => b.bucket));
    expect(age!.datasets[0]!.data).toEqual(api.open_amount_by_age.map((b) => b.amount));
    expect(await tableOf('kpi-open-by-age')).toEqual([['0-30', '2', '$3,964.80'], ['31-60', '0', '$0.00'], ['61-90', '0', '$0.00'], ['90+', '0', '$0.00']]);

    // The approver's decision time, with the contract's 60-minute window as a line.
    const times = await chartOf('kpi-decision-time');
    expect(times!.datasets).toEqual([
      { label: 'p50', data: [20, null] }, { label: 'p90', data: [28, null] }, { label: 'approval window (60 min)', data: [60, 60] },
    ]);
    expect(await tableOf('kpi-decision-time')).toEqual([['2026-11-20', '2', '20', '28', '60']]);
    expect(await page.textContent('#kpi-decision-time-h')).toContain('60-minute window');

    // Outcomes and verify.
    expect((await chartOf('kpi-outcomes'))!.datasets[0]!.data).toEqual([1, 1, 1, 1, 1]);
    expect(await tableOf('kpi-outcomes')).toEqual([
      ['approved', '1', '20 %'], ['rejected', '1', '20 %'], ['expired', '1', '20 %'], ['blocked', '1', '20 %'], ['undecided', '1', '20 %'],
    ]);
    expect((await chartOf('kpi-verify'))!.datasets[0]!.data).toEqual([1, 0, 0]);
    expect(await page.textContent('#kpi-verify-h')).toBe('Verify pass rate: 100 %');

    // Top customers and the approver's reason corrections.
    const top = await chartOf('kpi-top-customers');
    expect(top!.datasets[0]!.data).toEqual([1, 1]);
    expect(await tableOf('kpi-top-customers')).toEqual([
      [`${api.top_customers[0]!.name} (1009)`, '1', '$3,792.00'], ['Bluewater Marine (1002)', '1', '$172.80'],
    ]);
    expect((await chartOf('kpi-corrections'))!.labels).toEqual(['PRC → DSC']);
    expect(await tableOf('kpi-corrections')).toEqual([['PRC', 'DSC', '1']]);
    await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT) await page.screenshot({ path: 'docs/dashboard.png', fullPage: true });
  });

  it('the range picker asks for another range; a day with nothing shows the empty notes', async () => {
    await page.fill('#kpi-from', '2026-11-21');
    await page.fill('#kpi-to', '2026-11-21');
    await page.click('#kpi-range button[type=submit]');
    await page.waitForSelector('#kpis[data-rendered="2026-11-21..2026-11-21"]');
    expect(await tableOf('kpi-outcomes')).toEqual([
      ['approved', '0', '0 %'], ['rejected', '0', '0 %'], ['expired', '0', '0 %'], ['blocked', '1', '50 %'], ['undecided', '1', '50 %'],
    ]);
    expect(await page.textContent('#kpi-decision-time')).toContain('The approver decided nothing in this range.');
    expect(await chartOf('kpi-decision-time')).toBeNull();
  });
});
