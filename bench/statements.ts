// Statements per run by phase (through postgres.js's debug hook), and the most frequent kinds: what each
// event costs in round trips. tsx bench/statements.ts; a scratch database with the sample mirror, 20 runs.
import postgres from '../vendor/postgres/src/index.js';
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { decideProposal } from '../runtime/decisions.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';
import { ADMIN_URL, scratchDatabase, triageBody } from './lib.ts';
const admin = sqlClient(ADMIN_URL, 1);
const db = await scratchDatabase(admin);
let n = 0; const kinds = new Map<string, number>();
const sql = postgres(db.url, { max: 4, onnotice: () => {}, debug: (_c: number, q: string) => { n++; const k = q.trim().split(/\s+/).slice(0, 3).join(' ').slice(0, 40); kinds.set(k, (kinds.get(k) ?? 0) + 1); },
  types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) }, numeric: { to: 1700, from: [1700], serialize: (x: number) => String(x), parse: (x: string) => Number(x) }, date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x } } }) as any;
const clock = new ManualClock('2026-11-20T12:00:00Z');
const deps = { sql, clock, effects: effectRegistry() };
const R = 20;
for (let i = 0; i < R; i++) await startRun(deps, { ...triageBody(i), invoked_by: 'bench' });
const a = n; n = 0;
const envs = await sql`SELECT id, run_id FROM proposed_actions WHERE step = 'approval'`; n = 0;
for (const e of envs) await applyEvent(deps, e.run_id, { type: 'APPROVE', action_id: e.id, by: 'b', note: null, at: clock.now().toISOString() });
const b = n; n = 0;
clock.advance(31_000); await runDueChecks(deps);
const c = n;
const top = [...kinds].sort((x, y) => y[1] - x[1]).slice(0, 25).map(([k, v]) => `${(v / R).toFixed(1)} ${k}`).join('\n');
// Bytes a run's rows hold after the three phases: the snapshot (rewritten with every event) and the mirror rows
// kept beside it (written when loaded).
const [bytes] = await sql`
  SELECT round(avg(octet_length(snapshot::text)))::int AS snapshot_text,
         round(avg(coalesce(octet_length((to_jsonb(r) -> 'loaded')::text), 0)))::int AS loaded_text,
         round(avg(pg_column_size(r.*)))::int AS row_on_disk
  FROM runs r`;
// An approve as the HTTP route makes it (decideProposal: the proposal read, the If-Match check, the decision
// and the answer), on as many fresh runs.
for (let i = R; i < 2 * R; i++) await startRun(deps, { ...triageBody(i), invoked_by: 'bench' });
const fresh = await sql`SELECT id FROM proposed_actions WHERE step = 'approval' AND status = 'pending'`; n = 0;
const carryOut = { mailFrom: 'ar@bench.example', arQueueEmail: 'queue@bench.example' };
for (const e of fresh) await decideProposal({ ...deps, carryOut }, { id: e.id, verb: 'approve', by: 'b', note: null, ifMatch: ['*'] });
const d = n; n = 0;

console.log(JSON.stringify({ statements_per_run: { start: a / R, approve: b / R, verify: c / R, approve_as_http_decides_it: d / R }, bytes_per_run: bytes }));
console.log(top);
await sql.end(); await admin.unsafe(`DROP DATABASE ${db.name} WITH (FORCE)`); await admin.end();
