// Operating at scale: 50,000 runs (BENCH_OPERATE_RUNS) with envelopes decided after 0–119 minutes and
// their journals, then the time of a GET /metrics scrape (its PostgreSQL-backed series read at scrape time),
// GET /api/kpis over 30 and 90 days, GET /runs/:id/replay, and replaying every run (what npm run replay does).
// BENCH_KEEP_DB=1 keeps the database (its name is printed) to look at query plans.
import { ADMIN_URL, scratchDatabase, timeCalls } from './lib.ts';
import type { AddressInfo } from 'node:net';
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { replayRuns } from '../runtime/replayMany.ts';
import { createApp } from '../server/app.ts';
import { parseApprovers } from '../server/config.ts';
import { createLogger } from '../server/log.ts';

const N = Number(process.env.BENCH_OPERATE_RUNS ?? 50_000);
// A scratch database, migrated, with the sample mirror (bench/lib.ts).
const a = sqlClient(ADMIN_URL, 1);
const { name, url } = await scratchDatabase(a);
const sql = sqlClient(url, 4);
const TOKEN = 'bench-token-0123456789';
try {
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  const deps = { sql, clock, effects: effectRegistry() };
  const { run } = await startRun(deps, {
    email_uuid: 'seed', reason_text: 'x', customer_id: null, invoice_ref: null, invoked_by: 'bench',
    email: { from: 'James Okafor <james.okafor@bluewatermarine.example>', subject: 'Pricing discrepancy on INV-004143', body: 'Invoice INV-004143 is priced above our contract. The disputed amount is $172.80.' },
  });
  const [env] = await sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id}`;
  await applyEvent(deps, run.id, { type: 'APPROVE', action_id: env!.id, by: 'bench', note: null, at: clock.now().toISOString() } as never);
  const t0 = performance.now();
  // Copies of the approved run over 90 days, with an envelope decided 0–119 minutes after staging, and its journal.
  await sql`
    INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, loaded, input, customer_id, invoked_by, event_count, created_at, updated_at)
    SELECT workflow_type, 'bulk-' || g, machine_version, status, state_value, snapshot, loaded, input, 1001 + g % 40, invoked_by, event_count,
      ${clock.now()}::timestamptz - (g % 2160) * interval '1 hour', ${clock.now()}
    FROM runs, generate_series(1, ${N - 1}) g WHERE id = ${run.id}`;
  await sql`
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at, decided_at, decided_by)
    SELECT r.id, p.step, p.action_type, p.entity_type, p.entity_ref, p.payload, 'approved', r.created_at, r.created_at + (r.id % 120) * interval '1 minute', 'bench'
    FROM runs r JOIN proposed_actions p ON p.run_id = ${run.id} AND p.id = ${env!.id} WHERE r.id <> ${run.id}`;
  await sql`
    INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, shown_sha256, decided_at)
    SELECT p.id, p.run_id, 'approved', 'bench', 'x', p.decided_at FROM proposed_actions p
    WHERE p.run_id <> ${run.id} AND p.action_type = 'workflow_customer_invoice_dispute'`;
  await sql`
    INSERT INTO run_journal (run_id, seq, event, state_before, state_after, effects, at)
    SELECT r.id, j.seq, j.event, j.state_before, j.state_after, j.effects, r.created_at
    FROM runs r JOIN run_journal j ON j.run_id = ${run.id} WHERE r.id <> ${run.id}`;
  await sql`ANALYZE`;
  const fillS = (performance.now() - t0) / 1000;
  const app = createApp({ ...deps, config: { webhookSecret: 'x'.repeat(16), approvers: parseApprovers(`bench:${TOKEN}`), bodyLimitKb: 64 }, log: createLogger('silent') });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.text();
  };
  const time = (path: string, n = 20) => timeCalls(() => get(path), n);
  // BENCH_REPLAY_ALL=0 leaves out the longest part, replaying every run.
  const replayAll = process.env.BENCH_REPLAY_ALL !== '0';
  const replayStart = performance.now();
  const summary = replayAll ? await replayRuns(sql, {}) : { replayed: 0, diverged: 0 };
  const replayS = (performance.now() - replayStart) / 1000;
  console.log(JSON.stringify({
    runs: N,
    journal_rows: (await sql`SELECT count(*)::int AS n FROM run_journal`)[0]!.n,
    fill_s: +fillS.toFixed(1),
    'GET /metrics': await time('/metrics'),
    'GET /api/kpis (30 days)': await time('/api/kpis?from=2026-10-22&to=2026-11-20'),
    'GET /api/kpis (90 days)': await time('/api/kpis?from=2026-08-23&to=2026-11-20'),
    'GET /runs/:id/replay': await time(`/runs/${run.id}/replay`),
    'replay every run': replayAll ? { runs: summary.replayed, diverged: summary.diverged, seconds: +replayS.toFixed(1), runs_per_s: Math.round(summary.replayed / replayS) } : 'skipped',
  }, null, 2));
  server.closeAllConnections();
  server.close();
} finally {
  await sql.end();
  if (process.env.BENCH_KEEP_DB) console.error(`kept database ${name}`);
  else await a.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
  await a.end();
}
