// GET /metrics over real HTTP against a real database: the exposition passes Prometheus's own linter
// (`promtool check metrics`), carries the series the issue lists, and its counts of what lives in PostgreSQL
// match GET /runs and the tables after a few runs. A METRICS_TOKEN reads /metrics and nothing else.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { parseApprovers } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { SECRET, startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';

const PROMTOOL = process.env.PROMTOOL_PATH ?? 'promtool';
let db: TestDatabase;
let srv: TestServer;

function promtool(exposition: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(PROMTOOL, ['check', 'metrics']);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
    p.stdin.end(exposition);
  });
}

/** `name{labels} value` lines of the exposition, by name and label text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(token: string | null = TOKEN): Promise<string> {
  const res = await srv.api('GET', '/metrics', undefined, token);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

async function envelopeOf(runId: number): Promise<number> {
  const run = (await (await srv.api('GET', `/runs/${runId}`)).json()) as { proposed_actions: { id: number }[] };
  return run.proposed_actions[0]!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
  const pick = triageFor((e) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC');
  const ids: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const res = await srv.triage({ ...pick, email_uuid: `0b5e3c1a-0000-4000-8000-00000000000${i}` });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { run_id: number }).run_id);
  }
  srv.clock.advance(5 * 60_000); // the approver takes five minutes
  expect((await srv.api('POST', `/proposed-actions/${await envelopeOf(ids[0]!)}/approve`, {})).status).toBe(200);
  expect((await srv.api('POST', `/proposed-actions/${await envelopeOf(ids[1]!)}/reject`, { reason: 'duplicate' })).status).toBe(200);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

describe('GET /metrics', () => {
  it('passes promtool check metrics with no lint complaint', async () => {
    const text = await scrape();
    const { code, out } = await promtool(text);
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('lists every series of the issue, with the default process metrics', async () => {
    const text = await scrape();
    for (const name of [
      'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'disputeflow_runs', 'disputeflow_event_apply_seconds', 'disputeflow_approval_wait_seconds',
      'disputeflow_outbox_pending', 'disputeflow_outbox_failures_total', 'disputeflow_timer_lag_seconds', 'disputeflow_verify_results_total', 'disputeflow_http_request_seconds',
      'disputeflow_engine_transaction_items', 'disputeflow_engine_waiting',
    ]) expect(text, name).toContain(`# TYPE ${name} `);
  });

  it('counts runs by status exactly as GET /runs does', async () => {
    const text = await scrape();
    const { counts } = (await (await srv.api('GET', '/runs')).json()) as { counts: Record<string, number> };
    expect(counts).toEqual({ awaiting_approval: 2, verifying: 1, rejected: 1 });
    for (const status of ['running', 'awaiting_approval', 'verifying', 'completed', 'partial', 'failed', 'rejected', 'expired', 'blocked']) {
      expect(sample(text, `disputeflow_runs{status="${status}"}`), status).toBe(counts[status] ?? 0);
    }
  });

  it('reads the approval wait, outbox, timers and verify results from PostgreSQL', async () => {
    const text = await scrape();
    const hitl = 'action_type="workflow_customer_invoice_dispute"';
    expect(sample(text, `disputeflow_approval_wait_seconds_count{${hitl}}`)).toBe(2);
    expect(sample(text, `disputeflow_approval_wait_seconds_sum{${hitl}}`)).toBe(600);
    expect(sample(text, `disputeflow_approval_wait_seconds_bucket{${hitl},le="60"}`)).toBe(0);
    expect(sample(text, `disputeflow_approval_wait_seconds_bucket{${hitl},le="300"}`)).toBe(2);
    const [o] = await db.sql`SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending FROM outbox`;
    expect(sample(text, 'disputeflow_outbox_pending')).toBe(o!.pending);
    expect(sample(text, 'disputeflow_outbox_failures_total')).toBe(0);
    // Two approval windows (60 min) are still open, five minutes in: no timer is due yet.
    expect(sample(text, 'disputeflow_timer_lag_seconds')).toBe(0);
    srv.clock.advance(70 * 60_000);
    await db.sql`UPDATE outbox SET status = 'failed' WHERE id = (SELECT min(id) FROM outbox)`;
    await db.sql`UPDATE workflow_verify_results SET status = 'pass'`;
    const later = await scrape();
    expect(sample(later, 'disputeflow_timer_lag_seconds')).toBe(15 * 60); // the windows closed at 60 min; it is now 75 min in
    expect(sample(later, 'disputeflow_outbox_failures_total')).toBe(o!.pending > 0 ? 1 : 0);
    expect(sample(later, 'disputeflow_verify_results_total{result="pass"}')).toBe(1);
    expect(sample(later, 'disputeflow_verify_results_total{result="fail"}')).toBe(0);
  });

  it('times events by type and requests by route pattern, never by raw path', async () => {
    await srv.api('GET', '/runs/424242');
    await srv.api('GET', '/no/such/path/424243');
    const text = await scrape();
    expect(sample(text, 'disputeflow_event_apply_seconds_count{event="xstate.init"}')).toBe(4);
    expect(sample(text, 'disputeflow_event_apply_seconds_count{event="APPROVE"}')).toBe(1);
    expect(sample(text, 'disputeflow_event_apply_seconds_count{event="REJECT"}')).toBe(1);
    // Group commit: the four starts and two decisions came one at a time, each a transaction of its own; none waits now.
    expect(sample(text, 'disputeflow_engine_transaction_items_count{outcome="committed"}')).toBe(6);
    expect(sample(text, 'disputeflow_engine_transaction_items_bucket{le="1",outcome="committed"}')).toBe(6);
    expect(sample(text, 'disputeflow_engine_waiting')).toBe(0);
    expect(sample(text, 'disputeflow_http_request_seconds_count{route="/runs/:id",status="404"}')).toBe(1);
    expect(sample(text, 'disputeflow_http_request_seconds_count{route="/webhooks/triage",status="202"}')).toBe(4);
    expect(sample(text, 'disputeflow_http_request_seconds_count{route="unmatched",status="404"}')).toBe(1);
    // Neither raw path in any label (a sample's value may hold the same digits by chance: a duration's sum did).
    expect(text).not.toContain('/runs/424242');
    expect(text).not.toContain('/no/such/path');
    expect(text).not.toMatch(/\{[^}]*42424[23][^}]*\}/);
  });

  it('wants a bearer token: an approver token or METRICS_TOKEN, which opens nothing else', async () => {
    expect((await srv.api('GET', '/metrics', undefined, null)).status).toBe(401);
    expect((await srv.api('GET', '/metrics', undefined, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await srv.api('GET', '/metrics', undefined, 'ünïcødé-token-0123456789')).status).toBe(401);
    const metricsToken = 'scraper-token-0123456789abcdef';
    const app = createApp({
      sql: db.sql, clock: srv.clock, effects: effectRegistry(), log: createLogger('silent'),
      config: { webhookSecret: SECRET, approvers: parseApprovers(`mike:${TOKEN}`), bodyLimitKb: 64, metricsToken },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('disputeflow_runs{status="verifying"} 1');
      expect((await fetch(`${url}/runs`, { headers: { authorization: `Bearer ${metricsToken}` } })).status).toBe(401);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
