// What the app and its routes are built from: injected, so tests run the app on an ephemeral port against a
// real database with their own clock. Routes import this module, never the app, which only imports routes.
import type { Contract } from '../machines/contract.ts';
import type { Sql } from '../persistence/connect.ts';
import type { Clock } from '../runtime/clock.ts';
import type { CarryOutConfig } from '../runtime/decisions.ts';
import type { GroupCommit } from '../runtime/batch.ts';
import type { EngineDeps } from '../runtime/engine.ts';
import type { EffectRegistry } from '../runtime/effects.ts';
import type { RunFeed } from '../runtime/runFeed.ts';
import { DEFAULT_AR_QUEUE_EMAIL, DEFAULT_MAIL_FROM, type Config } from './config.ts';
import type { ErrorLog, Logger } from './log.ts';
import type { Metrics } from './metrics.ts';

export interface AppDeps {
  sql: Sql;
  clock: Clock;
  effects: EffectRegistry;
  config: Pick<Config, 'webhookSecret' | 'approvers' | 'bodyLimitKb'> & Partial<Pick<Config, 'preconditionSeverity' | 'mailFrom' | 'arQueueEmail' | 'metricsToken'>>;
  log: Logger;
  /** Where errors a client can cause are logged, rate-limited per kind; made from `log` when not given. */
  errors?: ErrorLog;
  notifyUrl?: string | undefined;
  /** The live feed (one LISTEN per process); created by the app when not given. Close it at shutdown. */
  feed?: RunFeed;
  /**
   * The contract the pages and GET /api/machine, /api/contract describe: CONTRACT, the one the engine runs,
   * unless a test passes a changed copy to see the drawing and the pages follow it.
   */
  contract?: Contract;
  /** GET /metrics's registry, shared with the engine's observer; created by the app when not given. */
  metrics?: Metrics;
  /** Group commit for starts and decisions (runtime/batch.ts); created by the app, with the defaults, when not given. */
  group?: GroupCommit | undefined;
}

/** What the engine needs, from the app's dependencies. */
export const engineDeps = (d: AppDeps): EngineDeps => ({ sql: d.sql, clock: d.clock, effects: d.effects, notifyUrl: d.notifyUrl, observe: d.metrics?.observeEvent, group: d.group });

/** Where approved proposals go: the From of mail, the AR queue's address, the ERP webhook. */
export const carryOutConfig = (d: AppDeps): CarryOutConfig => ({
  mailFrom: d.config.mailFrom ?? DEFAULT_MAIL_FROM,
  arQueueEmail: d.config.arQueueEmail ?? DEFAULT_AR_QUEUE_EMAIL,
  notifyUrl: d.notifyUrl,
});
