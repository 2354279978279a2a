// Our engine, in-process (no HTTP): triage → awaiting approval (startRun), approve → verifying
// (applyEvent APPROVE), verify → completed (runDueChecks once the verify window has passed).
// A child of bench/run.ts: BENCH_DB_URL and BENCH_DB_NAME name a migrated database with the sample
// mirror; BENCH_RUNS and BENCH_CONCURRENCY size it. Prints one JSON line. Runs/s, latencies and CPU come from a
// timed pass; commits per run from a second pass of as many runs (bench/lib.ts commitsPerPhase).
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';
import { benchGroupCommit } from './group-commit.ts';
import { ADMIN_URL, WARMUP, analyzeAfterWarmup, commitsPerPhase, databaseCpuTally, drive, phase, triageBody } from './lib.ts';

const url = process.env.BENCH_DB_URL!;
const name = process.env.BENCH_DB_NAME!;
const N = Number(process.env.BENCH_RUNS ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);

const admin = sqlClient(ADMIN_URL, 1);
const sql = sqlClient(url, C + 2);
const clock = new ManualClock('2026-11-20T12:00:00Z');
const group = benchGroupCommit(sql);
const deps = { sql, clock, effects: effectRegistry(), group };
const pendingEnvelopes = () => sql<{ id: number; run_id: number }[]>`SELECT id, run_id FROM proposed_actions WHERE step = 'approval' AND status = 'pending' ORDER BY run_id`;
const approveAt = (e: { id: number; run_id: number }) => applyEvent(deps, e.run_id, { type: 'APPROVE', action_id: e.id, by: 'bench', note: null, at: clock.now().toISOString() });
try {
  // Warm-up, unmeasured: whole runs, verify included (the clock then moves on, so only the measured runs are due later).
  await drive(WARMUP, C, (i) => startRun(deps, { ...triageBody(i, 'warm'), invoked_by: 'bench' }));
  const warm = await pendingEnvelopes();
  await drive(warm.length, C, (i) => approveAt(warm[i]!));
  clock.advance(31_000);
  // Every warm-up check, however many (a call claims 1000 unless told more): none is left for the measured verify phase.
  await runDueChecks(deps, { max: Number.POSITIVE_INFINITY });
  await analyzeAfterWarmup([name]);
  // The timed pass: start, approve and verify back to back, as a server under load runs them.
  const cpu0 = process.cpuUsage();
  const db = databaseCpuTally();
  db.begin();
  const start = await drive(N, C, (i) => startRun(deps, { ...triageBody(i), invoked_by: 'bench' }));
  const cpuStart = process.cpuUsage(cpu0);
  db.end();
  const envelopes = await pendingEnvelopes();
  const cpu1 = process.cpuUsage();
  db.begin();
  const approve = await drive(envelopes.length, C, (i) => approveAt(envelopes[i]!));
  const cpuApprove = process.cpuUsage(cpu1);
  db.end();
  clock.advance(31_000);
  const verify = await drive(C, C, () => runDueChecks(deps));
  const [done] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM runs WHERE status = 'completed' AND email_uuid LIKE 'bench-%'`;
  // The counted pass: as many runs again, each phase between quiet waits (commits per run).
  const [cStart, cApprove, cVerify] = await commitsPerPhase(admin, [name], [
    async () => () => drive(N, C, (i) => startRun(deps, { ...triageBody(i, 'counted'), invoked_by: 'bench' })),
    async () => {
      const counted = await pendingEnvelopes();
      return () => drive(counted.length, C, (i) => approveAt(counted[i]!));
    },
    async () => {
      clock.advance(31_000);
      return () => drive(C, C, () => runDueChecks(deps));
    },
  ]);
  const all = cStart == null || cApprove == null || cVerify == null ? null : cStart + cApprove + cVerify;
  console.log(JSON.stringify({
    system: 'ours-engine', runs: N, concurrency: C, completed: done!.n,
    start: phase(N, start, cStart),
    approve: phase(envelopes.length, approve, cApprove),
    // runDueChecks claims due checks in a loop: one call per worker, so only the rate is meaningful.
    verify: { runs_per_s: Math.round(N / (verify.ms / 1000)), commits_per_run: cVerify == null ? null : +(cVerify / N).toFixed(2) },
    end_to_end: { runs_per_s: Math.round(N / ((start.ms + approve.ms + verify.ms) / 1000)), commits_per_run: all === null ? null : +(all / N).toFixed(2) },
    rss_mb: Math.round(process.memoryUsage().rss / 1e6),
    // This process's CPU (user + system) for start + approve, per run: steadier than runs/s on a shared machine
    // (PostgreSQL's own CPU is not in it).
    cpu_ms_per_run: +((cpuStart.user + cpuStart.system + cpuApprove.user + cpuApprove.system) / 1000 / N).toFixed(2),
    // PostgreSQL's CPU for the same start + approve, per run (null when the server is not on this machine).
    db_cpu_ms_per_run: db.perRun(N),
  }));
} finally {
  await sql.end();
  await admin.end();
}
