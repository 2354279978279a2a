// Statements, socket writes and round trips per run by phase, alone and in a shared transaction as group commit
// makes them under load (statements through postgres.js's debug hook;
// writes and round trips by watching the sockets), and the most frequent kinds of statement: what each event
// costs. A round trip is a write that follows a read on its socket (the process waited for PostgreSQL's answer
// before it could send more); writes without a read between them are one round trip (pipelined).
// tsx bench/statements.ts; a scratch database with the sample mirror, 20 runs.
import net from 'node:net';
import postgres from '../vendor/postgres/src/index.js';
import { sqlClient, type Tx } from '../persistence/connect.ts';
import { GroupCommit, optimistically } from '../runtime/batch.ts';
import { ManualClock } from '../runtime/clock.ts';
import { decideProposal } from '../runtime/decisions.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';
import { ADMIN_URL, scratchDatabase, triageBody, watchSocketWrites } from './lib.ts';
const admin = sqlClient(ADMIN_URL, 1);
let writes = 0, trips = 0;
const waiting = new WeakMap<net.Socket, boolean>();
watchSocketWrites((socket) => {
  if (!waiting.has(socket)) socket.on('data', () => waiting.set(socket, false));
  writes++;
  if (!waiting.get(socket)) trips++;
  waiting.set(socket, true);
});
// With each phase's CPU time of this process (user + system; runs one at a time, so no contention of its own).
// And its elapsed time: one run at a time, so it is the sum of the run's waits and CPU (a latency without contention).
let cpu = process.cpuUsage(), t0 = performance.now();
const counts = () => {
  const used = process.cpuUsage(cpu);
  const r = { statements: n, writes, round_trips: trips, cpu_ms: (used.user + used.system) / 1000, ms: performance.now() - t0 };
  n = writes = trips = 0;
  cpu = process.cpuUsage(); t0 = performance.now();
  return r;
};
const db = await scratchDatabase(admin);
// BENCH_TRACE=1: print every statement (with the socket writes and round trips so far) as it is sent.
let TRACE = process.env.BENCH_TRACE === '1';
let n = 0; const kinds = new Map<string, number>();
const sql = postgres(db.url, { max: 4, onnotice: () => {}, debug: (_c: number, q: string) => { n++; if (TRACE) console.log(`  [${_c}] w${writes} rt${trips} ${q.replace(/\s+/g, ' ').slice(0, 110)}`); const k = q.trim().split(/\s+/).slice(0, 3).join(' ').slice(0, 40); kinds.set(k, (kinds.get(k) ?? 0) + 1); },
  types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) }, numeric: { to: 1700, from: [1700], serialize: (x: number) => String(x), parse: (x: string) => Number(x) }, date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x } } }) as any;
const clock = new ManualClock('2026-11-20T12:00:00Z');
const deps = { sql, clock, effects: effectRegistry() };
const R = Number(process.env.BENCH_RUNS ?? 20);
/** The three phases of R new runs (email_uuid `<prefix>-<i>`): start, approve (engine), verify; what each cost. */
async function phases(prefix: string) {
  for (let i = 0; i < R; i++) await startRun(deps, { ...triageBody(i, prefix), invoked_by: 'bench' });
  const a = counts();
  const envs = await sql`SELECT id, run_id FROM proposed_actions WHERE step = 'approval' AND status = 'pending'`; counts();
  for (const e of envs) await applyEvent(deps, e.run_id, { type: 'APPROVE', action_id: e.id, by: 'b', note: null, at: clock.now().toISOString() });
  const b = counts();
  clock.advance(31_000); await runDueChecks(deps);
  const c = counts();
  return [a, b, c] as const;
}
// Warm-up, unmeasured (as in bench/run.ts): each connection of the pool describes a statement the first time it
// sends it (one more round trip), which a running server has long done.
const tracing = TRACE;
TRACE = false;
await phases('warm');
await phases('warm2');
kinds.clear();
TRACE = tracing;
const [a, b, c] = await phases('bench');
TRACE = false;
// Statement kinds of the measured start, approve and verify, per run.
const top = [...kinds].sort((x, y) => y[1] - x[1]).slice(0, 25).map(([k, v]) => `${(v / R).toFixed(1)} ${k}`).join('\n');
// Bytes a run's rows hold after the three phases: the snapshot (rewritten with every event) and the mirror rows
// kept beside it (written when loaded).
const [bytes] = await sql`
  SELECT round(avg(octet_length(snapshot::text)))::int AS snapshot_text,
         round(avg(coalesce(octet_length((to_jsonb(r) -> 'loaded')::text), 0)))::int AS loaded_text,
         round(avg(pg_column_size(r.*)))::int AS row_on_disk
  FROM runs r`;
// An approve as the HTTP route makes it (decideProposal: the proposal read, the If-Match check, the decision
// and the answer), on as many fresh runs (after as many unmeasured).
const carryOut = { mailFrom: 'ar@bench.example', arQueueEmail: 'queue@bench.example' };
async function httpApprove(prefix: string) {
  for (let i = 0; i < R; i++) await startRun(deps, { ...triageBody(i, prefix), invoked_by: 'bench' });
  const fresh = await sql`SELECT id FROM proposed_actions WHERE step = 'approval' AND status = 'pending'`; counts();
  for (const e of fresh) await decideProposal({ ...deps, carryOut }, { id: e.id, verb: 'approve', by: 'b', note: null, ifMatch: ['*'] });
  return counts();
}
await httpApprove('http-warm');
const d = await httpApprove('http');
// Start and approve as a shared transaction of group commit runs them (runtime/batch.ts: under load, what most
// events do): here one item a transaction (`optimistically`, as an event alone runs; a start alone does not), its
// COMMIT sent when it has sent its last statement, the fallible fan-out steps side by side without savepoints.
class OneItemShared extends GroupCommit {
  override submit<T>(_key: string, together: (tx: Tx) => Promise<T>): Promise<T> {
    return optimistically(sql, together);
  }
}
const oneItemGroup = new OneItemShared(sql, { batch: 1, transactions: 1 });
const together = { ...deps, group: oneItemGroup };
async function sharedPhases(prefix: string) {
  for (let i = 0; i < R; i++) await startRun(together, { ...triageBody(i, prefix), invoked_by: 'bench' });
  const s = counts();
  const envs = await sql`SELECT id, run_id FROM proposed_actions WHERE step = 'approval' AND status = 'pending'`; counts();
  for (const e of envs) await applyEvent(together, e.run_id, { type: 'APPROVE', action_id: e.id, by: 'b', note: null, at: clock.now().toISOString() });
  return [s, counts()] as const;
}
await sharedPhases('shared-warm');
const [sharedStart, sharedApprove] = await sharedPhases('shared');
const perRun = (x: ReturnType<typeof counts>) => ({ statements: +(x.statements / R).toFixed(2), writes: +(x.writes / R).toFixed(2), round_trips: +(x.round_trips / R).toFixed(2), cpu_ms: +(x.cpu_ms / R).toFixed(2), ms: +(x.ms / R).toFixed(2) });

console.log(JSON.stringify({ per_run: { start: perRun(a), approve: perRun(b), verify: perRun(c), approve_as_http_decides_it: perRun(d), start_shared: perRun(sharedStart), approve_shared: perRun(sharedApprove) }, bytes_per_run: bytes }));
console.log(top);
await sql.end(); await admin.unsafe(`DROP DATABASE ${db.name} WITH (FORCE)`); await admin.end();
