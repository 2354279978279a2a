// The Koa application: registers the routes, the error mapping and the request log. Built from injected
// dependencies (./deps.ts) so tests run it on an ephemeral port against a real database. Routes import
// ./deps.ts and ./body.ts, never this module.
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { runFeed } from '../runtime/runFeed.ts';
import type { AppDeps } from './deps.ts';
import { answerClientError, errorHandler, isClientAbort } from './errors.ts';
import { rateLimitedErrors } from './log.ts';
import { adminRoutes } from './routes/admin.ts';
import { correctionRoutes } from './routes/corrections.ts';
import { mailRoutes } from './routes/mail.ts';
import { healthRoutes } from './routes/health.ts';
import { liveRoutes } from './routes/live.ts';
import { pageRoutes } from './routes/pages.ts';
import { proposalRoutes } from './routes/proposals.ts';
import { replayRoutes } from './routes/replay.ts';
import { kpiRoutes } from './routes/kpis.ts';
import { createMetrics, metricsRoutes, type Metrics } from './metrics.ts';
import { GROUP_COMMIT_DEFAULTS, GroupCommit } from '../runtime/batch.ts';
import { runRoutes } from './routes/runs.ts';
import { triageRoutes } from './routes/triage.ts';
import { workflowRoutes } from './routes/workflow.ts';

export type { AppDeps } from './deps.ts';

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  const router = new Router();
  const metrics = (deps.metrics ??= createMetrics(deps.sql, deps.clock));
  // Group commit for starts and decisions (runtime/batch.ts): the server's own (ENGINE_BATCH, ENGINE_TRANSACTIONS),
  // or one with the defaults.
  const group = (deps.group ??= new GroupCommit(deps.sql, Object.assign({}, GROUP_COMMIT_DEFAULTS, { observe: metrics.observeGroup })));
  metrics.watchGroup(group);
  healthRoutes(router, deps);
  triageRoutes(router, deps);
  runRoutes(router, deps);
  replayRoutes(router, deps);
  kpiRoutes(router, deps);
  metricsRoutes(router, { metrics, config: deps.config });
  proposalRoutes(router, deps);
  adminRoutes(router, deps);
  correctionRoutes(router, deps);
  mailRoutes(router, deps);
  workflowRoutes(router, deps);
  liveRoutes(router, deps, deps.feed ?? runFeed(deps.sql, (err) => deps.log('error', 'live feed', { error: String(err) })));
  pageRoutes(router, deps); // after proposalRoutes: GET /proposed-actions asked for HTML falls through to the page
  const errors = deps.errors ?? rateLimitedErrors(deps.log);
  // Koa's default printer writes multi-line stacks (for example of every client that aborts mid-body):
  // with a listener of our own, every error is one JSON line, and a flood of them is a few lines.
  app.on('error', (err: unknown) => {
    const e = err as { code?: string; name?: string; message?: string; stack?: string };
    if (isClientAbort(err)) errors(`connection:${e.code ?? e.name ?? 'error'}`, 'warn', 'client connection error', { code: e.code, error: e.message });
    else errors(`koa:${e.code ?? e.name ?? 'error'}`, 'error', 'unhandled error', { error: String(e.stack ?? err) });
  });
  app.use(metrics.httpTimer); // outside the error handler: it sees the status an error became
  app.use(errorHandler(errors));
  // Every server of this app (npm start, tests, bench) answers what Node's parser refuses as JSON too.
  const listen = app.listen.bind(app) as (...args: unknown[]) => Server;
  app.listen = ((...args: unknown[]) => listen(...args).on('clientError', (err, socket) => answerClientError(err, socket, errors))) as Koa['listen'];
  app.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
    deps.log('debug', 'request', { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) });
  });
  app.use(router.routes());
  // 405 with Allow (also for methods no route knows), and OPTIONS; the error handler writes them as JSON.
  app.use(router.allowedMethods());
  return app;
}
