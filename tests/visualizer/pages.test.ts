// The pages and their assets: served by the same process, public shells with a strict CSP, nothing loaded
// from elsewhere (they work offline), and GET /proposed-actions still JSON for API clients.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VISUALIZER_DIR } from '../../server/routes/pages.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

const statusOf = (p: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) =>
    request(`${srv.url}${p}`, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject).end());

const get = (p: string, headers: Record<string, string> = {}) => fetch(`${srv.url}${p}`, { headers, redirect: 'manual' });

describe('pages', () => {
  it.each([
    ['/inspector', 'Inspector · disputeflow'],
    ['/contract', 'Contract · disputeflow'],
    ['/mail', 'Sent mail · disputeflow'],
  ])('serves %s as HTML with a CSP that allows only this server', async (p, title) => {
    const res = await get(p, { accept: 'text/html' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe|https?:/);
    expect(await res.text()).toContain(`<title>${title}</title>`);
  });

  it('answers GET /proposed-actions with the page for browsers and with JSON for API clients', async () => {
    const page = await get('/proposed-actions', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Approvals · disputeflow</title>');
    const json = await srv.api('GET', '/proposed-actions?status=pending');
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ items: [], next_cursor: null });
    expect((await srv.api('GET', '/proposed-actions', undefined, null)).status).toBe(401);
  });

  it('links every page to every other in the same navigation, the current one marked', async () => {
    const pages = { '/inspector': 'Inspector', '/proposed-actions': 'Approvals', '/mail': 'Sent mail', '/contract': 'Contract', '/dashboard': 'Dashboard' };
    for (const current of Object.keys(pages)) {
      const html = await (await get(current, { accept: 'text/html' })).text();
      const nav = /<nav aria-label="Pages">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
      const links = [...nav.matchAll(/<a href="([^"]+)"( aria-current="page")?>([^<]+)<\/a>/g)].map((m) => [m[1], m[3], Boolean(m[2])]);
      expect(links, current).toEqual(Object.entries(pages).map(([href, label]) => [href, label, href === current]));
    }
  });

  it('serves the Sent mail page as a public shell: the mail itself needs the token', async () => {
    const page = await get('/mail', { accept: 'text/html' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/assets/js/mail.js"></script>');
    expect(html).toContain('<label for="mail-status">Status</label>');
    expect((await get('/assets/js/mail.js')).status).toBe(200);
    expect((await get('/api/mail', { accept: 'application/json' })).status).toBe(401);
    expect((await get('/api/mail?status=sent', { accept: 'application/json', authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('lists the reason codes for the correction select, publicly', async () => {
    const res = await get('/api/reason-codes');
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: { code: string; label: string; department: string }[] };
    expect(items.map((i) => i.code)).toEqual(['PRC', 'DSC', 'QTY', 'DMG', 'WRG', 'NRC', 'SNR', 'DUP', 'PAID', 'CRN', 'TAX', 'TRM', 'PO', 'FRT', 'NOI', 'OTH']);
    expect(items.find((i) => i.code === 'DMG')).toEqual({ code: 'DMG', label: 'Damaged or defective goods', department: 'shipping' });
    expect(items.every((i) => i.label.length > 3)).toBe(true);
  });

  it('redirects / to the inspector', async () => {
    const res = await get('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/inspector');
  });

  it("serves the assets and elkjs's browser bundle, revalidated by ETag", async () => {
    const elk = await get('/assets/vendor/elk.bundled.js');
    expect(elk.status).toBe(200);
    expect(elk.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await elk.text()).length).toBeGreaterThan(1_000_000);
    const js = await get('/assets/js/statechart.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('no-cache');
    const etag = js.headers.get('etag')!;
    // (node:http, not fetch: fetch adds Cache-Control: no-cache to conditional requests, as the Fetch spec says)
    expect(await statusOf('/assets/js/statechart.js', { 'if-none-match': etag })).toBe(304);
    expect(await statusOf('/assets/js/statechart.js', { 'if-none-match': '"other"' })).toBe(200);
    expect((await get('/assets/css/app.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('serves nothing outside visualizer/', async () => {
    for (const p of ['/assets/../server/auth.ts', '/assets/%2e%2e/server/auth.ts', '/assets/..%2fpackage.json', '/assets/js/../../package.json', '/assets/inspector.html', '/assets/nope.js', '/assets/vendor/elk.bundled.js/', '/assets/vendor/chart.umd.js/', '/assets/js/statechart.js/']) {
      expect((await get(p)).status, p).toBe(404);
    }
  });

  it('keeps the API private: runs need the token, the machine and the contract do not', async () => {
    expect((await get('/runs', { accept: 'application/json' })).status).toBe(401);
    expect((await get('/api/machine')).status).toBe(200);
    expect((await get('/api/contract')).status).toBe(200);
    expect((await get('/runs', { accept: 'application/json', authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});

describe('offline', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));

  it('loads nothing from another origin: no URL in the pages but the SVG namespace', () => {
    const found = files(VISUALIZER_DIR).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi)]
        .map((m) => m[0])
        .filter((u) => u !== 'http://www.w3.org/2000/svg')
        .map((u) => `${path.relative(VISUALIZER_DIR, f)}: ${u}`),
    );
    expect(found).toEqual([]);
  });
});
