// Our engine in several processes against the one database (BENCH_ENGINE_PROCESSES, 2), as `npm run worker`
// deploys it: the same work as bench/ours-engine.ts (startRun, applyEvent APPROVE, runDueChecks), the runs
// shared out (process k starts runs k, k + K, …, with BENCH_CONCURRENCY / K in flight, and approves its own),
// each phase started in every process at once and timed here from the start to the last process's end.
// A child of bench/run.ts (same environment as bench/ours-engine.ts); prints one JSON line. This process only
// coordinates: it forks the K engine processes (this file, with BENCH_ENGINE_WORKER set) over IPC. No commit
// counts (the single process's row has them; they do not depend on how many processes send the runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { sqlClient } from '../persistence/connect.ts';
import { engineWork, type EnginePhase } from './engine-work.ts';
import { analyzeAfterWarmup, databaseCpuTally, phase } from './lib.ts';

const url = process.env.BENCH_DB_URL!;
const name = process.env.BENCH_DB_NAME!;
const N = Number(process.env.BENCH_RUNS ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const K = Math.max(1, Number(process.env.BENCH_ENGINE_PROCESSES ?? 2));
/** What the coordinator asks a process: get a phase ready, or run the phase it got ready. */
type Phase = 'warm' | 'start' | 'approve' | 'verify';
type Ask = { prepare: Phase } | { go: true } | { exit: true };
/** A phase's answer: its elapsed ms and each call's latency, and this process's CPU (ms) over it. */
type Done = { ms: number; latencies: number[]; cpu_ms: number };

if (process.env.BENCH_ENGINE_WORKER !== undefined) await worker(Number(process.env.BENCH_ENGINE_WORKER));
else await coordinate();

/** One engine process: its share of each phase's runs (bench/engine-work.ts), under email ids of its own. */
async function worker(k: number): Promise<void> {
  const c = Math.max(1, Math.round(C / K));
  const sql = sqlClient(url, c + 2);
  const work = engineWork(sql, { k, K, c });
  const [start, approve, verify] = work.phases('bench', N);
  const prepare: Record<Phase, EnginePhase> = {
    // Unmeasured whole runs, verify included, as bench/ours-engine.ts warms up (each process its own JIT).
    warm: async () => async () => {
      const t0 = performance.now();
      await work.warm();
      return { ms: performance.now() - t0, latencies: [] };
    },
    start,
    approve,
    verify,
  };
  let ready: (() => Promise<{ ms: number; latencies: number[] }>) | undefined;
  process.on('message', (m: Ask) => {
    void (async () => {
      if ('exit' in m) {
        await sql.end();
        process.disconnect();
        return;
      }
      if ('prepare' in m) {
        ready = await prepare[m.prepare]!();
        process.send!({ ready: true });
        return;
      }
      const cpu = process.cpuUsage();
      const r = await ready!();
      const used = process.cpuUsage(cpu);
      process.send!({ ms: r.ms, latencies: r.latencies, cpu_ms: (used.user + used.system) / 1000 } satisfies Done);
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  process.send!({ ready: true });
}

async function coordinate(): Promise<void> {
  const procs: ChildProcess[] = Array.from({ length: K }, (_, k) =>
    spawn(process.execPath, [...process.execArgv, process.argv[1]!], { env: { ...process.env, BENCH_ENGINE_WORKER: String(k) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const exited = procs.map((p, k) => new Promise<never>((_, reject) => p.once('exit', (code) => reject(new Error(`engine process ${k} exited ${code}`)))));
  for (const e of exited) e.catch(() => {}); // seen by the race below while it matters; an exit after is expected
  const answer = <T>(p: ChildProcess) => new Promise<T>((resolve) => p.once('message', (m) => resolve(m as T)));
  // Every process's answer, or the first to die.
  const all = <T>(f: (p: ChildProcess) => Promise<T>) => Promise.race([Promise.all(procs.map(f)), ...exited]);
  const sql = sqlClient(url, 1);
  try {
    await all((p) => answer(p)); // each process is up
    /** A phase in every process: prepared everywhere, then started everywhere at once; elapsed here. */
    const run = async (which: Phase, db?: ReturnType<typeof databaseCpuTally>) => {
      await all((p) => { const a = answer(p); p.send({ prepare: which } satisfies Ask); return a; });
      db?.begin();
      const t0 = performance.now();
      const done = await all((p) => { const a = answer<Done>(p); p.send({ go: true } satisfies Ask); return a; });
      const ms = performance.now() - t0;
      db?.end();
      return { ms, latencies: done.flatMap((d) => d.latencies), cpu_ms: done.reduce((t, d) => t + d.cpu_ms, 0) };
    };
    await run('warm');
    await analyzeAfterWarmup([name]);
    const db = databaseCpuTally();
    const start = await run('start', db);
    const approve = await run('approve', db);
    const verify = await run('verify');
    const [done] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM runs WHERE status = 'completed' AND email_uuid LIKE 'bench-%'`;
    for (const p of procs) p.send({ exit: true } satisfies Ask);
    await Promise.allSettled(exited);
    console.log(JSON.stringify({
      system: `ours-engine ×${K}`, runs: N, concurrency: C, processes: K, completed: done!.n,
      start: phase(N, start, null),
      approve: phase(approve.latencies.length, approve, null),
      verify: { runs_per_s: Math.round(N / (verify.ms / 1000)), commits_per_run: null },
      end_to_end: { runs_per_s: Math.round(N / ((start.ms + approve.ms + verify.ms) / 1000)), commits_per_run: null },
      // The engine processes' CPU (user + system) for start + approve, per run, and PostgreSQL's, as in bench/ours-engine.ts.
      cpu_ms_per_run: +((start.cpu_ms + approve.cpu_ms) / N).toFixed(2),
      db_cpu_ms_per_run: db.perRun(N),
    }));
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill();
    await sql.end();
  }
}
