// npm run bench: drives dispute runs through the real engine against PostgreSQL and reports throughput and
// commits per run (from pg_stat_database), trigger → awaiting approval → verifying → completed.
// BENCH_RUNS (default 300) and BENCH_CONCURRENCY (default 8); DATABASE_URL or the local server on :5432.
import { randomBytes } from 'node:crypto';
import { sqlClient } from '../persistence/connect.ts';
import { migrate } from '../persistence/migrate.ts';
import { importMirror } from '../persistence/mirror/import.ts';
import { SAMPLE_MIRROR_DIR } from '../persistence/mirror/sample.ts';
import { ManualClock } from '../runtime/clock.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';

const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.BENCH_RUNS ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const name = `disputeflow_bench_${randomBytes(4).toString('hex')}`;

const a = sqlClient(admin, 1);
await a.unsafe(`CREATE DATABASE ${name}`);
const url = new URL(admin);
url.pathname = `/${name}`;
let sql = sqlClient(url.toString(), C + 2);
try {
  await migrate(sql);
  await importMirror(sql, SAMPLE_MIRROR_DIR);
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  const deps = { sql, clock, effects: effectRegistry() };
  const body = {
    reason_text: 'Pricing discrepancy on INV-004143',
    customer_id: null,
    invoice_ref: null,
    invoked_by: 'bench',
    email: {
      from: 'James Okafor <james.okafor@bluewatermarine.example>',
      subject: 'Pricing discrepancy on INV-004143',
      body: 'We received invoice INV-004143 for our PO-67784. The spools are billed at $118.90 but our contract price is $104.50. Please credit $172.80.',
    },
  };
  // Backends report their statistics lazily (up to 10 s later when idle) but always when they exit: end the
  // pool, then read the counter from the admin connection, then reconnect.
  const commits = async () => {
    await sql.end();
    await new Promise((r) => setTimeout(r, 300));
    const [r] = await a`SELECT xact_commit::bigint AS c FROM pg_stat_database WHERE datname = ${name}`;
    sql = sqlClient(url.toString(), C + 2);
    deps.sql = sql;
    return Number(r!.c);
  };
  const pool = async <T>(n: number, f: (i: number) => Promise<T>) => {
    const out: T[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: C }, async () => {
      while (next < n) { const i = next++; out[i] = await f(i); }
    }));
    return out;
  };
  const mem0 = process.memoryUsage().rss;
  const c0 = await commits();
  const t0 = performance.now();
  const started = await pool(N, (i) => startRun(deps, { ...body, email_uuid: `bench-${i}` }));
  const t1 = performance.now();
  const c1 = await commits();
  const envelopes = await sql<{ id: number; run_id: number }[]>`SELECT id, run_id FROM proposed_actions WHERE step = 'approval' ORDER BY run_id`;
  const t2 = performance.now();
  await pool(envelopes.length, (i) => applyEvent(deps, envelopes[i]!.run_id, { type: 'APPROVE', action_id: envelopes[i]!.id, by: 'bench', note: null, at: clock.now().toISOString() }));
  const t3 = performance.now();
  const c2 = await commits();
  clock.advance(31_000);
  const t4 = performance.now();
  await Promise.all(Array.from({ length: C }, () => runDueChecks(deps)));
  const t5 = performance.now();
  const c3 = await commits();
  const [done] = await sql`SELECT count(*)::int AS n FROM runs WHERE status = 'completed'`;
  const perRun = (x: number) => (x / N).toFixed(2);
  console.log(JSON.stringify({
    runs: N, concurrency: C, completed: done!.n, all_started: started.length === N,
    trigger_to_awaiting: { runs_per_s: Math.round(N / ((t1 - t0) / 1000)), commits_per_run: perRun(c1 - c0) },
    approve_to_verifying: { runs_per_s: Math.round(N / ((t3 - t2) / 1000)), commits_per_run: perRun(c2 - c1) },
    verify_to_completed: { runs_per_s: Math.round(N / ((t5 - t4) / 1000)), commits_per_run: perRun(c3 - c2) },
    end_to_end: { runs_per_s: Math.round(N / ((t1 - t0 + t3 - t2 + t5 - t4) / 1000)), commits_per_run: perRun(c3 - c0) },
    rss_growth_mb: Math.round((process.memoryUsage().rss - mem0) / 1e6),
  }, null, 2));
  
} finally {
  await sql.end();
  await a.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
  await a.end();
}
