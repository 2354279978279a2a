// Group commit against a transaction per event, in one process on one database: BENCH_CONCURRENCY callers
// (8) start runs, approve them and run their due checks, alternating the two ways round after round (the
// same code and data, so only the grouping differs). Per run and phase: runs/s, this process's CPU, socket
// writes to PostgreSQL (each one wakes it), and commits (pg_stat_database, after its counters settle).
// npm run bench:group; BENCH_RUNS (400 per phase and round), BENCH_ROUNDS (3), BENCH_WARMUP (1000),
// ENGINE_BATCH / ENGINE_TRANSACTIONS (the server's defaults).
import v8 from 'node:v8';
import vm from 'node:vm';
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { applyEvent, startRun, type EngineDeps } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';
import { benchGroupCommit } from './group-commit.ts';
import { ADMIN_URL, commitsAfterQuiet, drive, scratchDatabase, triageBody, WARMUP, watchSocketWrites } from './lib.ts';

const N = Number(process.env.BENCH_RUNS ?? 400);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
let writes = 0;
watchSocketWrites(() => writes++);

const admin = sqlClient(ADMIN_URL, 1);
const db = await scratchDatabase(admin);
const name = new URL(db.url).pathname.slice(1);
const sql = sqlClient(db.url, C + 2);
const clock = new ManualClock('2026-11-20T12:00:00Z');
const group = benchGroupCommit(sql);
const ways: Record<string, EngineDeps> = {
  alone: { sql, clock, effects: effectRegistry() },
  group: { sql, clock, effects: effectRegistry(), group },
};

/** The heap in use after a full collection (gc exposed at run time: the benchmark runs under plain tsx). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
function heapAfterCollection(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

interface Measured { runs_per_s: number; cpu_ms: number; writes: number; commits: number | null }
let seq = 0;
/** n runs started, approved and verified the given way; what each phase cost per run (`count`: commits too). */
async function cycle(deps: EngineDeps, n: number, count: boolean): Promise<Record<'start' | 'approve' | 'verify', Measured>> {
  const prefix = `g${seq++}`;
  const measure = async (f: () => Promise<unknown>): Promise<Measured> => {
    const c0 = count ? await commitsAfterQuiet(admin, [name]) : null;
    writes = 0;
    const cpu = process.cpuUsage();
    const t = performance.now();
    await f();
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const w = writes;
    const c1 = count ? await commitsAfterQuiet(admin, [name]) : null;
    return {
      runs_per_s: Math.round(n / (ms / 1000)),
      cpu_ms: +((used.user + used.system) / 1000 / n).toFixed(2),
      writes: +(w / n).toFixed(2),
      commits: c0 === null || c1 === null ? null : +((c1 - c0) / n).toFixed(2),
    };
  };
  const start = await measure(() => drive(n, C, (i) => startRun(deps, { ...triageBody(i, prefix), invoked_by: 'bench' })));
  const envelopes = await sql<{ id: number; run_id: number }[]>`
    SELECT p.id, p.run_id FROM proposed_actions p JOIN runs r ON r.id = p.run_id
    WHERE p.step = 'approval' AND p.status = 'pending' AND r.email_uuid LIKE ${prefix + '-%'} ORDER BY p.run_id`;
  const approve = await measure(() =>
    drive(envelopes.length, C, (i) => applyEvent(deps, envelopes[i]!.run_id, { type: 'APPROVE', action_id: envelopes[i]!.id, by: 'bench', note: null, at: clock.now().toISOString() })),
  );
  clock.advance(31_000);
  const verify = await measure(() => Promise.all(Array.from({ length: C }, () => runDueChecks(deps))));
  return { start, approve, verify };
}

try {
  // Warm-up (V8 and the planner), both ways, then fresh statistics as a running server's keeper would have.
  await cycle(ways.alone!, Math.ceil(WARMUP / 2), false);
  await cycle(ways.group!, Math.ceil(WARMUP / 2), false);
  await sql`ANALYZE`;
  const heap0 = heapAfterCollection();
  const results: Record<string, Record<string, Measured>[]> = { alone: [], group: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of ['alone', 'group'] as const) results[way]!.push(await cycle(ways[way]!, N, r === 0));
    await sql`ANALYZE`;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`group commit (batch ${group.batch}) against a transaction per event: ${N} runs per phase, ${C} callers, median of ${ROUNDS} alternating rounds (commits from the first)`);
  for (const phase of ['start', 'approve', 'verify'] as const) {
    const row = (way: string) => {
      const xs = results[way]!.map((x) => x[phase]!);
      return `${String(median(xs.map((x) => x.runs_per_s))).padStart(5)}/s  cpu ${median(xs.map((x) => x.cpu_ms)).toFixed(2)} ms  writes ${median(xs.map((x) => x.writes)).toFixed(2)}  commits ${xs[0]!.commits ?? '-'}  (rounds: ${xs.map((x) => x.runs_per_s).join('/')})`;
    };
    console.log(`${phase.padEnd(8)} alone ${row('alone')}\n${''.padEnd(8)} group ${row('group')}`);
  }
  // What the measured runs left on the heap, both ways together: a process that keeps something per run grows
  // without end (a named query's strings did, 12 KB a start, until round 10).
  const retained_kb_per_run = +((heapAfterCollection() - heap0) / 1024 / (2 * ROUNDS * N)).toFixed(2);
  console.log(`heap kept after ${2 * ROUNDS * N} runs: ${retained_kb_per_run} KB per run (after a full collection; about 0 when nothing is kept per run)`);
  console.log(JSON.stringify({ runs: N, concurrency: C, rounds: ROUNDS, batch: group.batch, retained_kb_per_run, results }));
} finally {
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
