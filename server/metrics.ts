// Prometheus metrics (prom-client), one registry per app: the process's default metrics, what this process
// measures itself (event apply time, HTTP request time), and what lives in PostgreSQL, read from it at
// scrape time (collect callbacks) so that every process of a deployment reports the same numbers.
import { timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import client from 'prom-client';
import { RUN_STATUSES } from '../machines/status.ts';
import type { Sql } from '../persistence/connect.ts';
import { approvalWaitHistogram, outboxCounts, timerLagSeconds, verifyResultCounts } from '../persistence/metrics.ts';
import { runCounts } from '../persistence/runCounts.ts';
import type { GroupCommit, GroupOutcome } from '../runtime/batch.ts';
import type { Clock } from '../runtime/clock.ts';
import { unauthorized } from './errors.ts';

export interface Metrics {
  registry: client.Registry;
  /** The engine's observer: one applied event (or a started run, `xstate.init`) and how long it took. */
  observeEvent(eventType: string, seconds: number): void;
  /** Group commit's observer (runtime/batch.ts): one engine transaction, its items and how it ended. */
  observeGroup(size: number, outcome: GroupOutcome): void;
  /** The group commit whose waiting items `disputeflow_engine_waiting` reports. */
  watchGroup(group: Pick<GroupCommit, 'queued'>): void;
  /** Koa middleware timing every request by its route pattern (never the raw path) and status. */
  httpTimer: Middleware;
}

/** Seconds: the approval window is 60 minutes, so its buckets reach past it. */
const WAIT_BUCKETS = [60, 300, 600, 1800, 3600, 7200, 14_400, 86_400];
const VERIFY_RESULTS = ['pass', 'fail', 'timeout'] as const;

/** A histogram whose buckets are counted by PostgreSQL at scrape time; prom-client formats it. */
function approvalWaitMetric(sql: Sql) {
  const name = 'disputeflow_approval_wait_seconds';
  return {
    name,
    help: 'Time from a proposal being staged to the approver deciding it (approved or rejected), by action type; read from PostgreSQL.',
    type: 'histogram',
    aggregator: 'first',
    async get() {
      const rows = await approvalWaitHistogram(sql, WAIT_BUCKETS);
      const values = rows.flatMap((r) => [
        ...WAIT_BUCKETS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { action_type: r.action_type, le }, value: r.buckets[i] ?? 0 })),
        { metricName: `${name}_bucket`, labels: { action_type: r.action_type, le: '+Inf' }, value: r.count },
        { metricName: `${name}_sum`, labels: { action_type: r.action_type }, value: r.sum },
        { metricName: `${name}_count`, labels: { action_type: r.action_type }, value: r.count },
      ]);
      return { name, help: this.help, type: 'histogram', aggregator: 'first', values };
    },
  };
}

export function createMetrics(sql: Sql, clock: Clock): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // prom-client names three gauges *_total, which Prometheus's linter refuses (a _total is a counter); the
  // same numbers by type stay in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const registers = [registry];

  new client.Gauge({
    name: 'disputeflow_runs',
    help: 'Runs by status, read from PostgreSQL.',
    labelNames: ['status'],
    registers,
    async collect() {
      const counts = await runCounts(sql);
      for (const status of RUN_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  const outbox = () => outboxCounts(sql);
  new client.Gauge({
    name: 'disputeflow_outbox_pending',
    help: 'Outbox deliveries not yet delivered (including ones waiting for a retry), read from PostgreSQL.',
    registers,
    async collect() {
      this.set((await outbox()).pending);
    },
  });
  new client.Counter({
    name: 'disputeflow_outbox_failures_total',
    help: 'Outbox deliveries that failed for good (every attempt used), read from PostgreSQL.',
    registers,
    async collect() {
      this.reset();
      this.inc((await outbox()).failed);
    },
  });
  new client.Gauge({
    name: 'disputeflow_timer_lag_seconds',
    help: 'How far past its due time the most overdue timer is (0 when none is due), read from PostgreSQL.',
    registers,
    async collect() {
      this.set(await timerLagSeconds(sql, clock.now()));
    },
  });
  new client.Counter({
    name: 'disputeflow_verify_results_total',
    help: 'Verify checks by result (pass, fail, timeout), read from PostgreSQL.',
    labelNames: ['result'],
    registers,
    async collect() {
      const counts = await verifyResultCounts(sql);
      this.reset();
      for (const result of VERIFY_RESULTS) this.inc({ result }, counts[result] ?? 0);
    },
  });
  // prom-client types registerMetric's argument as its Metric class, but the registry only calls get() and
  // reads name/help/type/aggregator: a plain object whose get() reads PostgreSQL is what it documents for custom collectors.
  registry.registerMetric(approvalWaitMetric(sql) as unknown as client.Metric);

  const apply = new client.Histogram({
    name: 'disputeflow_event_apply_seconds',
    help: 'Time to apply one event in its transaction (lock, transition, local effects, save), by event type; this process.',
    labelNames: ['event'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const http = new client.Histogram({
    name: 'disputeflow_http_request_seconds',
    help: 'HTTP request time by route pattern and status; this process.',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });

  const group = new client.Histogram({
    name: 'disputeflow_engine_transaction_items',
    help: 'Starts and events per engine transaction (group commit), by how it ended: committed, alone (rolled back, each item then ran alone; for one item, its fan-out run again with savepoints), unavailable, failed (an item alone); this process.',
    labelNames: ['outcome'],
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers,
  });

  let waiting = () => 0;
  new client.Gauge({
    name: 'disputeflow_engine_waiting',
    help: 'Starts and decisions waiting for an engine transaction (group commit: all of them are busy); this process.',
    registers,
    collect() {
      this.set(waiting());
    },
  });

  return {
    registry,
    observeEvent: (event, seconds) => apply.observe({ event }, seconds),
    observeGroup: (size, outcome) => group.observe({ outcome }, size),
    watchGroup: (g) => {
      waiting = () => g.queued;
    },
    httpTimer: async (ctx, next) => {
      const started = performance.now();
      try {
        await next();
      } finally {
        // Only route patterns as labels: a path made up by a client never becomes a series of its own.
        const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
        http.observe({ route: typeof route === 'string' ? route : 'unmatched', status: String(ctx.status) }, (performance.now() - started) / 1000);
      }
    },
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** GET /metrics: an approver's bearer token, or METRICS_TOKEN (for a scraper that should read nothing else). */
export function metricsRoutes(router: Router, deps: { metrics: Metrics; config: { approvers: Map<string, string>; metricsToken?: string | undefined } }): void {
  router.get('/metrics', async (ctx) => {
    const m = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!m) throw unauthorized('missing Authorization: Bearer <token> (an approver token or METRICS_TOKEN)');
    const given = m[1]!;
    let ok = deps.config.metricsToken !== undefined && same(deps.config.metricsToken, given);
    for (const token of deps.config.approvers.keys()) if (same(token, given)) ok = true;
    if (!ok) throw unauthorized('the bearer token is not valid');
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
}
