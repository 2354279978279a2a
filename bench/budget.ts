// Where a run's Node CPU goes, as a budget measured in one process (issue 13: "find where the time goes").
// One run at a time (no contention of its own), through the product's own client (no debug hook), on a
// scratch database with the sample mirror:
//   - CPU per run of each phase (start, approve as the HTTP route decides it, verify), this process's and, when
//     PostgreSQL runs on this machine, its processes' (from /proc);
//   - statements per phase, counted from the protocol messages the driver writes (a Bind or a simple Query
//     each), so nothing slows the driver down to count them;
//   - what one statement costs the driver here: a one-row SELECT with a parameter, in a transaction, one at a
//     time and then pipelined;
//   - reading the run's email (dispute/: the pure extraction) and one statechart transition (xstate's transition
//     with a restored snapshot), each on its own.
// tsx bench/budget.ts (BENCH_RUNS, 100). Prints a table and one JSON line. No timing is asserted anywhere.
import net from 'node:net';
import { transition } from 'xstate';
import { prepareExtraction } from '../dispute/extract.ts';
import { disputeMachine } from '../machines/dispute.ts';
import type { DisputeEvent } from '../machines/types.ts';
import { sqlClient } from '../persistence/connect.ts';
import { getRun } from '../persistence/runs.ts';
import { ManualClock } from '../runtime/clock.ts';
import { decideProposal } from '../runtime/decisions.ts';
import { startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { restoreSnapshot } from '../runtime/restore.ts';
import { transitionRun } from '../runtime/transition.ts';
import { runDueChecks } from '../runtime/verify.ts';
import { ADMIN_URL, WARMUP, analyzeAfterWarmup, databaseCpuMs, scratchDatabase, triageBody, watchSocketWrites } from './lib.ts';

const R = Number(process.env.BENCH_RUNS ?? 100);

// Statements sent: the frontend protocol's Bind ('B') of an extended query or a simple Query ('Q'), read off
// the bytes written to PostgreSQL's sockets (a message is a type byte and a 4-byte length that counts itself).
let statements = 0;
const partial = new WeakMap<net.Socket, number>(); // bytes of a message still to come in the next write
watchSocketWrites((socket, chunk) => {
  // The startup message has no type byte (it starts with its length: a 0 byte), and is written on its own.
  if (!Buffer.isBuffer(chunk) || (chunk[0] === 0 && !partial.get(socket))) return;
  let i = partial.get(socket) ?? 0;
  while (i + 5 <= chunk.length) {
    const type = chunk[i]!;
    if (type === 0x42 || type === 0x51) statements++;
    i += 1 + chunk.readInt32BE(i + 1);
  }
  partial.set(socket, Math.max(0, i - chunk.length));
});

const admin = sqlClient(ADMIN_URL, 1);
const db = await scratchDatabase(admin);
const sql = sqlClient(db.url, 4);
const clock = new ManualClock('2026-11-20T12:00:00Z');
const deps = { sql, clock, effects: effectRegistry(), carryOut: { mailFrom: 'ar@bench.example', arQueueEmail: 'queue@bench.example' } };

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
/** CPU (ms) of this process and of PostgreSQL, and statements of f, per unit. */
async function measure(units: number, f: () => Promise<unknown>) {
  const s0 = statements;
  const p0 = databaseCpuMs(db.url);
  const c0 = process.cpuUsage();
  await f();
  const c1 = process.cpuUsage(c0);
  const p1 = databaseCpuMs(db.url);
  return {
    cpu_ms: +(cpuMs(c1) / units).toFixed(3),
    postgres_cpu_ms: p0 === null || p1 === null ? null : +((p1 - p0) / units).toFixed(2),
    statements: +((statements - s0) / units).toFixed(2),
  };
}

async function phases(prefix: string, runs = R) {
  const start = await measure(runs, async () => {
    for (let i = 0; i < runs; i++) await startRun(deps, { ...triageBody(i, prefix), invoked_by: 'bench' });
  });
  const envelopes = await sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE step = 'approval' AND status = 'pending'`;
  const approve = await measure(envelopes.length, async () => {
    for (const e of envelopes) await decideProposal(deps, { id: e.id, verb: 'approve', by: 'bench', note: null, ifMatch: ['*'] });
  });
  clock.advance(31_000);
  // Every due check, however many (a call claims 1000 unless told more).
  const verify = await measure(runs, () => runDueChecks(deps, { max: Number.POSITIVE_INFINITY }));
  return { start, approve, verify };
}

try {
  await phases('warm', Math.max(R, WARMUP)); // modules, the NLP model, JIT (bench/lib.ts WARMUP), each pooled connection's prepared statements
  await analyzeAfterWarmup([db.name]); // as autovacuum would have by now (bench/lib.ts)
  const runs = await phases('bench');

  // One statement, as the driver costs it here: one at a time (a round trip each), then all issued at once.
  const one = (tx: typeof sql, i: number) => tx`SELECT ${i}::int AS i, 'x' AS s`;
  const N = 3000;
  await sql.begin(async (tx) => { for (let i = 0; i < 200; i++) await one(tx as never, i); });
  const sequential = await measure(N, () => sql.begin(async (tx) => { for (let i = 0; i < N; i++) await one(tx as never, i); }));
  const pipelined = await measure(N, () => sql.begin((tx) => Promise.all(Array.from({ length: N }, (_, i) => one(tx as never, i)))));

  // Reading the email (the pure part of the extraction), the bench's own emails.
  const bodies = Array.from({ length: R }, (_, i) => triageBody(i, 'read'));
  for (const b of bodies) prepareExtraction(b);
  const c0 = process.cpuUsage();
  for (let k = 0; k < 5; k++) for (const b of bodies) prepareExtraction(b);
  const readMs = cpuMs(process.cpuUsage(c0)) / (5 * R);

  // One transition: APPROVE to a restored run awaiting approval (its fan-out follows in further transitions),
  // by xstate's transition() and by the engine's (runtime/transition.ts).
  await startRun(deps, { ...triageBody(0, 'transition'), invoked_by: 'bench' });
  const [waiting] = await sql<{ id: number; action: number }[]>`
    SELECT r.id, p.id AS action FROM runs r JOIN proposed_actions p ON p.run_id = r.id AND p.step = 'approval'
    WHERE r.status = 'awaiting_approval' LIMIT 1`;
  const run = (await getRun(sql, waiting!.id))!;
  const event = { type: 'APPROVE', action_id: waiting!.action, by: 'bench', note: null, at: clock.now().toISOString() } as DisputeEvent;
  const perTransition = (f: () => unknown) => {
    for (let i = 0; i < 500; i++) f();
    const t0 = process.cpuUsage();
    for (let i = 0; i < 2000; i++) f();
    return cpuMs(process.cpuUsage(t0)) / 2000;
  };
  const xstateMs = perTransition(() => transition(disputeMachine, restoreSnapshot(run), event));
  const transitionMs = perTransition(() => transitionRun(restoreSnapshot(run), event));

  const perRun = runs.start.cpu_ms + runs.approve.cpu_ms;
  const stmts = runs.start.statements + runs.approve.statements;
  const f = (x: number) => x.toFixed(2).padStart(6);
  console.log(`Node CPU per run, one run at a time (${R} runs): start ${f(runs.start.cpu_ms)} ms in ${runs.start.statements} statements; approve (HTTP route's decision) ${f(runs.approve.cpu_ms)} ms in ${runs.approve.statements}; verify ${f(runs.verify.cpu_ms)} ms in ${runs.verify.statements}`);
  const pg = (m: { postgres_cpu_ms: number | null }) => (m.postgres_cpu_ms === null ? '     ?' : f(m.postgres_cpu_ms));
  console.log(`PostgreSQL CPU per run (every postgres process on this machine, 10 ms ticks): start ${pg(runs.start)} ms; approve ${pg(runs.approve)} ms; verify ${pg(runs.verify)} ms`);
  console.log(`one statement: ${(sequential.cpu_ms * 1000).toFixed(0)} µs one at a time, ${(pipelined.cpu_ms * 1000).toFixed(0)} µs pipelined`);
  console.log(`start + approve: ${f(perRun)} ms, of which about ${f(stmts * sequential.cpu_ms)} ms statements (${stmts} × one at a time), ${f(readMs)} ms reading the email, ${f(transitionMs)} ms per transition (xstate's own transition(): ${f(xstateMs)} ms)`);
  console.log(JSON.stringify({ runs: R, per_run: runs, statement_cpu_ms: { sequential: sequential.cpu_ms, pipelined: pipelined.cpu_ms }, read_email_cpu_ms: +readMs.toFixed(3), transition_cpu_ms: +transitionMs.toFixed(3), xstate_transition_cpu_ms: +xstateMs.toFixed(3) }));
} finally {
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
  await admin.end();
}
