// A fresh database and a fresh process taking a burst of runs: this process's CPU per run and the runs/s, per
// window of 200 runs (start and approval, 8 in flight, the engine in-process). It shows two things a short
// benchmark hides (BENCHMARKS.md, round 8):
//   - V8 optimizing our code: Node's CPU per run falls for about the first thousand runs (hence bench/lib.ts WARMUP);
//   - planner statistics of young tables: with BENCH_STATS=none nothing gathers them (autovacuum visits a
//     database once a minute) and runs/s falls window after window as the statements are planned for empty
//     tables; =keeper runs the product's statistics keeper (runtime/statistics.ts), as every server process does;
//     =analyze runs ANALYZE before each window.
// tsx bench/warmup.ts (BENCH_WINDOWS, 12; BENCH_STATS, keeper). Prints a line per window and one JSON line.
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { statisticsKeeper } from '../runtime/statistics.ts';
import { ADMIN_URL, drive, scratchDatabase, triageBody } from './lib.ts';

const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 12);
const STATS = process.env.BENCH_STATS ?? 'keeper';
if (!['keeper', 'analyze', 'none'].includes(STATS)) throw new Error(`BENCH_STATS must be keeper, analyze or none, not ${STATS}`);
const WINDOW = 200;

const admin = sqlClient(ADMIN_URL, 1);
const db = await scratchDatabase(admin);
const sql = sqlClient(db.url, 10);
const clock = new ManualClock('2026-11-20T12:00:00Z');
const deps = { sql, clock, effects: effectRegistry() };
const analyzed: string[] = [];
const keeper = STATS === 'keeper' ? statisticsKeeper(sql, { onAnalyzed: (t) => analyzed.push(...t), onError: (err) => console.error(err) }) : null;

let next = 0;
async function run() {
  const { run } = await startRun(deps, { ...triageBody(next++, 'warmup'), invoked_by: 'bench' });
  const [envelope] = await sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval' AND status = 'pending'`;
  if (envelope) await applyEvent(deps, run.id, { type: 'APPROVE', action_id: envelope.id, by: 'bench', note: null, at: clock.now().toISOString() });
}

const windows: { runs: string; cpu_ms_per_run: number; runs_per_s: number; analyzed: number }[] = [];
try {
  await keeper?.start();
  for (let w = 0; w < WINDOWS; w++) {
    if (STATS === 'analyze') await sql`ANALYZE`;
    const before = analyzed.length;
    const c0 = process.cpuUsage();
    const { ms } = await drive(WINDOW, 8, run);
    const c = process.cpuUsage(c0);
    const row = {
      runs: `${w * WINDOW}–${(w + 1) * WINDOW}`,
      cpu_ms_per_run: +((c.user + c.system) / 1000 / WINDOW).toFixed(2),
      runs_per_s: Math.round(WINDOW / (ms / 1000)),
      analyzed: analyzed.length - before,
    };
    windows.push(row);
    console.log(`runs ${row.runs.padEnd(11)} Node CPU ${row.cpu_ms_per_run.toFixed(2).padStart(6)} ms/run  ${String(row.runs_per_s).padStart(4)} runs/s${row.analyzed ? `  (${row.analyzed} tables analyzed by the keeper)` : ''}`);
  }
  console.log(JSON.stringify({ stats: STATS, window: WINDOW, windows }));
} finally {
  await keeper?.stop();
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
  await admin.end();
}
