// The Koa application: routes, auth, validation and error mapping. Built from injected dependencies so
// tests run it on an ephemeral port against a real database.
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import getRawBody from 'raw-body';
import type { Sql } from '../persistence/connect.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EffectRegistry } from '../runtime/effects.ts';
import { runFeed, type RunFeed } from '../runtime/runFeed.ts';
import { DEFAULT_AR_QUEUE_EMAIL, DEFAULT_MAIL_FROM, type Config } from './config.ts';
import type { CarryOutConfig } from '../runtime/decisions.ts';
import { answerClientError, badRequest, errorHandler, isClientAbort } from './errors.ts';
import { rateLimitedErrors, type ErrorLog, type Logger } from './log.ts';
import { adminRoutes } from './routes/admin.ts';
import { correctionRoutes } from './routes/corrections.ts';
import { mailRoutes } from './routes/mail.ts';
import { healthRoutes } from './routes/health.ts';
import { liveRoutes } from './routes/live.ts';
import { machineGraphRoutes } from './routes/machineGraph.ts';
import { pageRoutes } from './routes/pages.ts';
import { proposalRoutes } from './routes/proposals.ts';
import { replayRoutes } from './routes/replay.ts';
import { kpiRoutes } from './routes/kpis.ts';
import { createMetrics, metricsRoutes, type Metrics } from './metrics.ts';
import { runRoutes } from './routes/runs.ts';
import { triageRoutes } from './routes/triage.ts';

export interface AppDeps {
  sql: Sql;
  clock: Clock;
  effects: EffectRegistry;
  config: Pick<Config, 'webhookSecret' | 'approvers' | 'bodyLimitKb'> & Partial<Pick<Config, 'preconditionSeverity' | 'mailFrom' | 'arQueueEmail' | 'metricsToken'>>;
  log: Logger;
  /** Where errors a client can cause are logged, rate-limited per kind; made from `log` when not given. */
  errors?: ErrorLog;
  notifyUrl?: string | undefined;
  /** The live feed (one LISTEN per process); created here when not given. Close it at shutdown. */
  feed?: RunFeed;
  /** GET /metrics's registry, shared with the engine's observer; created here when not given. */
  metrics?: Metrics;
}

/** What the engine needs, from the app's dependencies. */
export const engineDeps = (d: AppDeps) => ({ sql: d.sql, clock: d.clock, effects: d.effects, notifyUrl: d.notifyUrl, observe: d.metrics?.observeEvent });

/** Where approved proposals go: the From of mail, the AR queue's address, the ERP webhook. */
export const carryOutConfig = (d: AppDeps): CarryOutConfig => ({
  mailFrom: d.config.mailFrom ?? DEFAULT_MAIL_FROM,
  arQueueEmail: d.config.arQueueEmail ?? DEFAULT_AR_QUEUE_EMAIL,
  notifyUrl: d.notifyUrl,
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the exact bytes of the body within the size limit (413 above it). Signatures are checked over these
 * bytes, before anything is decoded or parsed.
 */
export async function readBody(ctx: Koa.Context, limitKb: number): Promise<Buffer> {
  return getRawBody(ctx.req, { limit: `${limitKb}kb`, length: ctx.get('content-length') || undefined });
}

/** Decodes strict UTF-8 and parses JSON; an empty body is `{}`. Both failures are a 400 naming `body`. */
export function parseJson(bytes: Buffer): unknown {
  let raw: string;
  try {
    raw = utf8.decode(bytes);
  } catch {
    throw badRequest('body: must be UTF-8 encoded', [{ field: 'body', message: 'must be UTF-8 encoded' }]);
  }
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('body: must be valid JSON', [{ field: 'body', message: 'must be valid JSON' }]);
  }
}

export async function readJson(ctx: Koa.Context, limitKb: number): Promise<unknown> {
  return parseJson(await readBody(ctx, limitKb));
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  const router = new Router();
  const metrics = (deps.metrics ??= createMetrics(deps.sql, deps.clock));
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
  machineGraphRoutes(router, deps);
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
