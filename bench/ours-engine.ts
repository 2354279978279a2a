// Our engine, in-process (no HTTP): triage → awaiting approval (startRun), approve → verifying
// (applyEvent APPROVE), verify → completed (runDueChecks once the verify window has passed).
// A child of bench/run.ts: BENCH_DB_URL and BENCH_DB_NAME name a migrated database with the sample
// mirror; BENCH_RUNS and BENCH_CONCURRENCY size it. Prints one JSON line. Runs/s, latencies and CPU come from a
// timed pass; commits per run from a second pass of as many runs (bench/lib.ts commitsPerPhase).
import { sqlClient } from '../persistence/connect.ts';
import { engineWork } from './engine-work.ts';
import { ADMIN_URL, analyzeAfterWarmup, commitsPerPhase, databaseCpuTally, thisProcessCpu, timed, phase } from './lib.ts';

const url = process.env.BENCH_DB_URL!;
const name = process.env.BENCH_DB_NAME!;
const N = Number(process.env.BENCH_RUNS ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);

const admin = sqlClient(ADMIN_URL, 1);
const sql = sqlClient(url, C + 2);
const work = engineWork(sql, { k: 0, K: 1, c: C });
try {
  await work.warm();
  await analyzeAfterWarmup([name]);
  // Each phase once, for both passes; `prefix` names the pass's runs.
  const phases = (prefix: string) => work.phases(prefix, N);
  // The timed pass: start, approve and verify back to back, as a server under load runs them; this process's CPU
  // and PostgreSQL's counted for start and approve.
  const db = databaseCpuTally();
  const cpu = thisProcessCpu(db);
  const [startPhase, approvePhase, verifyPhase] = phases('bench');
  const start = await timed(startPhase, cpu);
  const approve = await timed(approvePhase, cpu);
  const { run: verify } = await timed(verifyPhase);
  const [done] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM runs WHERE status = 'completed' AND email_uuid LIKE 'bench-%'`;
  // The counted pass: as many runs again, each phase between quiet waits (commits per run).
  const [cStart, cApprove, cVerify] = await commitsPerPhase(admin, [name], phases('counted'));
  const all = cStart == null || cApprove == null || cVerify == null ? null : cStart + cApprove + cVerify;
  console.log(JSON.stringify({
    system: 'ours-engine', runs: N, concurrency: C, completed: done!.n,
    start: phase(N, start.run, cStart),
    approve: phase(approve.run.latencies.length, approve.run, cApprove),
    verify: { runs_per_s: Math.round(N / (verify.ms / 1000)), commits_per_run: cVerify == null ? null : +(cVerify / N).toFixed(2) },
    end_to_end: { runs_per_s: Math.round(N / ((start.run.ms + approve.run.ms + verify.ms) / 1000)), commits_per_run: all === null ? null : +(all / N).toFixed(2) },
    rss_mb: Math.round(process.memoryUsage().rss / 1e6),
    // This process's CPU (user + system) for start + approve, per run: steadier than runs/s on a shared machine
    // (PostgreSQL's own CPU is not in it).
    cpu_ms_per_run: +((start.used + approve.used) / N).toFixed(2),
    // PostgreSQL's CPU for the same start + approve, per run (null when the server is not on this machine).
    db_cpu_ms_per_run: db.perRun(N),
  }));
} finally {
  await sql.end();
  await admin.end();
}
