// The pages (inspector, approvals, sent mail, contract, dashboard) and their static assets from visualizer/, plus
// elkjs's and Chart.js's browser bundles from node_modules, so everything works offline. The pages are public shells: they
// read every private fact through the HTTP API with the approver's token. Registered after the proposals
// route, which hands browsers asking for HTML at /proposed-actions on to here.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../deps.ts';
import { notFound } from '../errors.ts';

export const VISUALIZER_DIR = fileURLToPath(new URL('../../visualizer/', import.meta.url));
const ELK_BUNDLE = createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js');
/** Chart.js's UMD build (the dashboard's charts), from node_modules like elkjs. */
// (its package exports only the module builds, so the UMD file is found beside the CommonJS one).
const CHART_BUNDLE = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Scripts and styles only from this server: no CDN, no inline code, no framing. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET = /^(?:[a-z0-9_-]+\/)*[a-z0-9_-]+(?:\.[a-z0-9]+)*\.(?:js|css|svg|png)$/i;

async function sendFile(ctx: Context, file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw notFound(`no such file: ${ctx.path}`);
  }
  if (!info.isFile()) throw notFound(`no such file: ${ctx.path}`);
  const etag = `"${createHash('sha1').update(`${file}:${info.size}:${info.mtimeMs}`).digest('hex').slice(0, 20)}"`;
  ctx.set('ETag', etag);
  // Revalidate every time (cheap 304s) so a changed page is never served stale.
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  if (ctx.type.startsWith('text/html')) {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Referrer-Policy', 'no-referrer');
  }
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = await readFile(file);
}

export function pageRoutes(router: Router, _deps: AppDeps): void {
  const page = (name: string) => (ctx: Context) => sendFile(ctx, path.join(VISUALIZER_DIR, name));
  router.get('/', (ctx) => ctx.redirect('/inspector'));
  router.get('/inspector', page('inspector.html'));
  router.get('/contract', page('contract.html'));
  router.get('/mail', page('mail.html'));
  router.get('/dashboard', page('dashboard.html'));
  // Reached only when GET /proposed-actions was asked for HTML (the JSON route calls next()).
  router.get('/proposed-actions', page('approvals.html'));
  // The router forgives a trailing slash; a file's address does not (`/assets/vendor/chart.umd.js/` is no file).
  const bundle = (file: string) => (ctx: Context) => {
    if (ctx.path.endsWith('/')) throw notFound(`no such file: ${ctx.path}`);
    return sendFile(ctx, file);
  };
  router.get('/assets/vendor/elk.bundled.js', bundle(ELK_BUNDLE));
  router.get('/assets/vendor/chart.umd.js', bundle(CHART_BUNDLE));
  router.get('/assets/{*path}', async (ctx) => {
    const rel = String(ctx.params.path ?? '');
    if (!ASSET.test(rel)) throw notFound(`no such file: ${ctx.path}`);
    const file = path.resolve(VISUALIZER_DIR, rel);
    if (!file.startsWith(VISUALIZER_DIR)) throw notFound(`no such file: ${ctx.path}`);
    await sendFile(ctx, file);
  });
}
