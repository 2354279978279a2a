// The Koa application: routes, auth, validation and error mapping. Built from injected dependencies so
// tests run it on an ephemeral port against a real database.
import Router from '@koa/router';
import Koa from 'koa';
import getRawBody from 'raw-body';
import type { Sql } from '../persistence/connect.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EffectRegistry } from '../runtime/effects.ts';
import { runFeed, type RunFeed } from '../runtime/runFeed.ts';
import { DEFAULT_AR_QUEUE_EMAIL, DEFAULT_MAIL_FROM, type Config } from './config.ts';
import type { CarryOutConfig } from '../runtime/decisions.ts';
import { badRequest, errorHandler } from './errors.ts';
import type { Logger } from './log.ts';
import { adminRoutes } from './routes/admin.ts';
import { correctionRoutes } from './routes/corrections.ts';
import { mailRoutes } from './routes/mail.ts';
import { healthRoutes } from './routes/health.ts';
import { liveRoutes } from './routes/live.ts';
import { machineGraphRoutes } from './routes/machineGraph.ts';
import { pageRoutes } from './routes/pages.ts';
import { proposalRoutes } from './routes/proposals.ts';
import { runRoutes } from './routes/runs.ts';
import { triageRoutes } from './routes/triage.ts';

export interface AppDeps {
  sql: Sql;
  clock: Clock;
  effects: EffectRegistry;
  config: Pick<Config, 'webhookSecret' | 'approvers' | 'bodyLimitKb'> & Partial<Pick<Config, 'preconditionSeverity' | 'mailFrom' | 'arQueueEmail'>>;
  log: Logger;
  notifyUrl?: string | undefined;
  /** The live feed (one LISTEN per process); created here when not given. Close it at shutdown. */
  feed?: RunFeed;
}

/** What the engine needs, from the app's dependencies. */
export const engineDeps = (d: AppDeps) => ({ sql: d.sql, clock: d.clock, effects: d.effects, notifyUrl: d.notifyUrl });

/** Where approved proposals go: the From of mail, the AR queue's address, the ERP webhook. */
export const carryOutConfig = (d: AppDeps): CarryOutConfig => ({
  mailFrom: d.config.mailFrom ?? DEFAULT_MAIL_FROM,
  arQueueEmail: d.config.arQueueEmail ?? DEFAULT_AR_QUEUE_EMAIL,
  notifyUrl: d.notifyUrl,
});

export interface AppState {
  rawBody?: string;
}

/** Reads the raw body (kept for signature checks) within the size limit, then parses JSON. */
export async function readJson(ctx: Koa.Context, limitKb: number): Promise<{ raw: string; json: unknown }> {
  const raw = await getRawBody(ctx.req, { limit: `${limitKb}kb`, encoding: 'utf8', length: ctx.get('content-length') || undefined });
  if (raw.trim() === '') return { raw, json: {} };
  try {
    return { raw, json: JSON.parse(raw) };
  } catch {
    throw badRequest('body: must be valid JSON', [{ field: 'body', message: 'must be valid JSON' }]);
  }
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  const router = new Router();
  healthRoutes(router, deps);
  triageRoutes(router, deps);
  runRoutes(router, deps);
  proposalRoutes(router, deps);
  adminRoutes(router, deps);
  correctionRoutes(router, deps);
  mailRoutes(router, deps);
  machineGraphRoutes(router, deps);
  liveRoutes(router, deps, deps.feed ?? runFeed(deps.sql, (err) => deps.log('error', 'live feed', { error: String(err) })));
  pageRoutes(router, deps); // after proposalRoutes: GET /proposed-actions asked for HTML falls through to the page
  app.use(errorHandler(deps.log));
  app.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
    deps.log('debug', 'request', { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) });
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
