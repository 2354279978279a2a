// npm run bench, first part: ours and the DBOS peer side by side, in one sitting on one PostgreSQL.
// Each system runs in a process of its own against a fresh database holding the sample mirror:
//   ours-engine  bench/ours-engine.ts  the engine in-process (startRun, applyEvent, runDueChecks)
//   ours-engine ×2  bench/ours-engine-processes.ts  the same in two processes on the one database (BENCH_ENGINE_SCALE)
//   ours-http    bench/ours-http.ts    the served product over HTTP (signed triage, approve), server in its own process
//   dbos         bench/peer/peer.ts    the same workflow shape on DBOS (its own package, installed here if missing)
// and the commit limit of this machine is measured first (pgbench when installed, else a loop in node):
// one 2 KB jsonb row per transaction, at 2 and at 8 clients.
// Ours runs twice: over TCP loopback as the URL says, and through the server's Unix socket when it is local.
// BENCH_ROUNDS (3: every system that many times, in alternation; medians), BENCH_RUNS (300), BENCH_CONCURRENCY (8), BENCH_PEER=0 (skip DBOS), BENCH_SOCKET=0 (skip the socket rows), BENCH_HTTP_SCALE (2: a row with that many server processes; 1: none), BENCH_ENGINE_SCALE (2: a row with that many engine processes; 1: none), BENCH_STATS_WAIT_MS (11000; 0: no
// commit counts), BENCH_LIMIT_SECONDS (5; 0: skip the commit limit), BENCH_WARMUP (1000 unmeasured whole runs per system first: bench/lib.ts), BENCH_SERVER_NODE_FLAGS (node flags added to
// the served product's processes, to try one: bench/ours-http.ts), DATABASE_URL (the admin URL).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { namesThisMachine, sqlClient } from '../persistence/connect.ts';
import { ADMIN_URL, nodeArgs, scratchDatabase, urlOf, type HostMonitor, type Phase } from './lib.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_RUNS ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIMIT_S = Number(process.env.BENCH_LIMIT_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_HTTP_SCALE (2): also the served product as that many server processes (1: leave the row out). */
const HTTP_SCALE = Number(process.env.BENCH_HTTP_SCALE ?? 2);
/** BENCH_ENGINE_SCALE (2): also the engine as that many processes on the one database (1: leave the row out). */
const ENGINE_SCALE = Number(process.env.BENCH_ENGINE_SCALE ?? 2);
const admin = sqlClient(ADMIN_URL, 1);

interface Result { system: string; start: Phase; approve: Phase; verify?: { runs_per_s: number; commits_per_run: number | null }; end_to_end: { runs_per_s: number; commits_per_run: number | null }; [k: string]: unknown }

async function child(file: string, env: Record<string, string | undefined>): Promise<Result> {
  // Ours runs built, as `npm start` runs the server (bench/lib.ts nodeArgs); the peer, a package of its own, under tsx.
  const args = file.includes(`${path.sep}peer${path.sep}`) ? ['--import', 'tsx', file] : await nodeArgs(path.relative(path.join(here, '..'), file));
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF=<dir>: each system writes a V8 CPU profile there (bench/profile-summary.ts reads it).
    // One folder per system: node writes a profile per thread (tsx's loader runs in a worker thread).
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_CPU_PROF, `${path.basename(file, '.ts')}${env.BENCH_DB_URL?.includes('host=') ? '-socket' : ''}`)}`] : [];
    const p = spawn(process.execPath, [...prof, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`${path.basename(file)} exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(last) as Result);
    });
  });
}

async function system(file: string, extraDbs: (name: string) => string[] = () => [], socketDir?: string, env: Record<string, string> = {}): Promise<Result> {
  const db = await scratchDatabase(admin);
  const url = new URL(db.url);
  if (socketDir) url.searchParams.set('host', socketDir);
  try {
    const r = await child(file, { BENCH_DB_URL: url.toString(), BENCH_DB_NAME: db.name, BENCH_RUNS: String(N), BENCH_CONCURRENCY: String(C), ...env });
    return socketDir ? { ...r, system: `${r.system} (socket)` } : r;
  } finally {
    for (const n of [db.name, ...extraDbs(db.name)]) await admin.unsafe(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The open-loop phases at half of peak (bench/ours-http.ts): right after their runs were started, and settled. */
const HALF_OF_PEAK = ['approve_at_half_peak', 'approve_at_half_peak_settled'] as const;
type HalfOfPeak = Phase & { offered_per_s: number; settle_ms?: number; server?: Record<string, number>; host?: HostMonitor };
/** The server's waits during an open-loop phase (bench/serve.ts), each figure the median of the rounds'. */
function serverWaits(rs: Result[], key: string): { server?: Record<string, number> } {
  const all = rs.map((r) => (r[key] as HalfOfPeak).server).filter((w): w is Record<string, number> => !!w);
  if (!all.length) return {};
  return { server: Object.fromEntries(Object.keys(all[0]!).map((k) => [k, median(all.map((w) => w[k]!))])) };
}
/** The kernel memory monitor's CPU during each round's open-loop phase (bench/lib.ts kernelMonitor): the median. */
function hostMonitor(rs: Result[], key: string): { host?: HostMonitor } {
  const all = rs.map((r) => (r[key] as HalfOfPeak).host);
  if (!all.every((h) => h)) return {};
  const hosts = all as HostMonitor[];
  const aparts = hosts.map((h) => h.apart).filter((a): a is NonNullable<HostMonitor['apart']> => !!a);
  return {
    host: {
      kdamond_cpu_ms: median(hosts.map((h) => h.kdamond_cpu_ms)), kdamond_sample_ms: hosts[0]!.kdamond_sample_ms,
      ...(aparts.length === hosts.length ? {
        bursts: median(hosts.map((h) => h.bursts ?? 0)),
        apart: { approvals: median(aparts.map((a) => a.approvals)), p50_ms: median(aparts.map((a) => a.p50_ms)), p99_ms: median(aparts.map((a) => a.p99_ms)) },
      } : {}),
    },
  };
}
/** One row from a system's rounds: the median of each figure; commits per run from the first round. */
function merge(rs: Result[]): Result {
  const first = rs[0]!;
  const ph = (get: (r: Result) => Phase): Phase => ({
    runs_per_s: median(rs.map((r) => get(r).runs_per_s)),
    p50_ms: median(rs.map((r) => get(r).p50_ms)),
    p99_ms: median(rs.map((r) => get(r).p99_ms)),
    commits_per_run: get(first).commits_per_run ?? null,
  });
  return {
    ...first,
    rounds: rs.length,
    start: ph((r) => r.start),
    approve: ph((r) => r.approve),
    ...(first.verify ? { verify: { runs_per_s: median(rs.map((r) => r.verify!.runs_per_s)), commits_per_run: first.verify.commits_per_run } } : {}),
    end_to_end: { runs_per_s: median(rs.map((r) => r.end_to_end.runs_per_s)), commits_per_run: first.end_to_end.commits_per_run },
    end_to_end_per_round: rs.map((r) => r.end_to_end.runs_per_s),
    ...(typeof first.cpu_ms_per_run === 'number' ? { cpu_ms_per_run: median(rs.map((r) => r.cpu_ms_per_run as number)) } : {}),
    ...(typeof first.client_cpu_ms_per_run === 'number' ? { client_cpu_ms_per_run: median(rs.map((r) => r.client_cpu_ms_per_run as number)) } : {}),
    ...(rs.every((r) => typeof r.db_cpu_ms_per_run === 'number') ? { db_cpu_ms_per_run: median(rs.map((r) => r.db_cpu_ms_per_run as number)) } : {}),
    ...Object.fromEntries(HALF_OF_PEAK.filter((key) => first[key]).map((key) => [key, {
      ...ph((r) => r[key] as Phase), offered_per_s: median(rs.map((r) => (r[key] as HalfOfPeak).offered_per_s)),
      settle_ms: (first[key] as HalfOfPeak).settle_ms ?? 0, ...serverWaits(rs, key), ...hostMonitor(rs, key),
    }])),
  };
}

/** Commits/s with `clients` connections each inserting one 2 KB jsonb row per transaction. */
async function commitLimit(clients: number): Promise<{ clients: number; commits_per_s: number; tool: string }> {
  const db = `disputeflow_bench_limit_${process.pid}`;
  await admin.unsafe(`CREATE DATABASE ${db}`);
  const doc = JSON.stringify({ pad: 'x'.repeat(2000) });
  try {
    const s = sqlClient(urlOf(db), 1);
    await s`CREATE TABLE pgb (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc jsonb NOT NULL)`;
    await s.end();
    let pgbench = '';
    try { pgbench = execFileSync('sh', ['-c', 'command -v pgbench'], { encoding: 'utf8' }).trim(); } catch { /* not installed */ }
    if (pgbench) {
      const dir = mkdtempSync(path.join(tmpdir(), 'pgb-'));
      const script = path.join(dir, 'insert.sql');
      writeFileSync(script, `INSERT INTO pgb (doc) VALUES ('${doc}');\n`);
      const u = new URL(urlOf(db));
      const out = execFileSync(pgbench, ['-n', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(LIMIT_S), '-f', script,
        '-h', decodeURIComponent(u.searchParams.get('host') ?? u.hostname), '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'), db],
        { encoding: 'utf8', env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) }, stdio: ['ignore', 'pipe', 'ignore'] });
      rmSync(dir, { recursive: true });
      const tps = /tps = ([\d.]+)/.exec(out);
      return { clients, commits_per_s: Math.round(Number(tps?.[1] ?? NaN)), tool: 'pgbench' };
    }
    const sql = sqlClient(urlOf(db), clients);
    let n = 0;
    const end = performance.now() + LIMIT_S * 1000;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < end) { await sql`INSERT INTO pgb (doc) VALUES (${doc}::jsonb)`; n++; }
    }));
    await sql.end();
    return { clients, commits_per_s: Math.round(n / LIMIT_S), tool: 'node loop' };
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

/** The server's Unix socket directory when the admin URL names this machine and the socket exists. */
async function localSocketDir(): Promise<string | undefined> {
  if (process.env.BENCH_SOCKET === '0') return undefined;
  if (!namesThisMachine(ADMIN_URL)) return undefined;
  const [r] = await admin<{ dirs: string; port: string }[]>`SELECT current_setting('unix_socket_directories') AS dirs, current_setting('port') AS port`;
  const dir = r!.dirs.split(',')[0]?.trim();
  return dir?.startsWith('/') && existsSync(path.join(dir, `.s.PGSQL.${r!.port}`)) ? dir : undefined;
}

/** The peer's own node_modules, installed from its lockfile on first use; a reason string when it cannot be. */
function peerReady(): string | null {
  if (process.env.BENCH_PEER === '0') return 'BENCH_PEER=0';
  const dir = path.join(here, 'peer');
  if (existsSync(path.join(dir, 'node_modules', '@dbos-inc', 'dbos-sdk'))) return null;
  try {
    console.error('installing the DBOS peer (bench/peer, npm ci) …');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    return null;
  } catch (err) {
    return `npm ci in bench/peer failed: ${String((err as Error).message).split('\n')[0]}`;
  }
}

try {
  const limits = LIMIT_S > 0 ? [await commitLimit(2), await commitLimit(8)] : [];
  // The systems, each run ROUNDS times in alternation (ours, the peer, ours, …), so that load from other
  // processes on a shared machine falls on all of them alike; the table shows medians over the rounds.
  // Commits are counted in the first round only (the 11 s waits for the statistics cost time, and commits
  // per run do not depend on the load).
  const socketDir = await localSocketDir();
  const skipPeer = peerReady();
  const systems: { file: string; extra?: (n: string) => string[]; socket?: string; env?: Record<string, string> }[] = [
    { file: path.join(here, 'ours-engine.ts') },
    ...(ENGINE_SCALE > 1 ? [{ file: path.join(here, 'ours-engine-processes.ts'), env: { BENCH_ENGINE_PROCESSES: String(ENGINE_SCALE) } }] : []),
    { file: path.join(here, 'ours-http.ts') },
    ...(HTTP_SCALE > 1 ? [{ file: path.join(here, 'ours-http.ts'), env: { BENCH_HTTP_PROCESSES: String(HTTP_SCALE) } }] : []),
    ...(socketDir ? [{ file: path.join(here, 'ours-engine.ts'), socket: socketDir }, { file: path.join(here, 'ours-http.ts'), socket: socketDir }] : []),
    ...(skipPeer ? [] : [{ file: path.join(here, 'peer', 'peer.ts'), extra: (n: string) => [`${n}_dbos_sys`] }]),
  ];
  const rounds: Result[][] = systems.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const statsWait = round === 0 ? process.env.BENCH_STATS_WAIT_MS : '0';
    for (const [k, sys] of systems.entries()) {
      if (statsWait !== undefined) process.env.BENCH_STATS_WAIT_MS = statsWait;
      rounds[k]!.push(await system(sys.file, sys.extra, sys.socket, sys.env));
    }
  }
  const rows = rounds.map(merge);
  const peer = skipPeer ? null : rows.at(-1)!;
  console.error(`rounds (end-to-end runs/s per round): ${rows.map((r, k) => `${r.system} ${rounds[k]!.map((x) => x.end_to_end.runs_per_s).join('/')}`).join('; ')}`);

  const cell = (p: Phase | undefined) => (p ? `${String(p.runs_per_s).padStart(5)}/s  p50 ${p.p50_ms.toFixed(1).padStart(6)}  p99 ${p.p99_ms.toFixed(1).padStart(6)}  ${p.commits_per_run ?? '-'} c/run` : '-');
  console.log(`\nours vs DBOS: ${N} runs, ${C} in flight, one sitting, median of ${ROUNDS} alternating round(s) (latencies in ms; c/run = commits per run from pg_stat_database)`);
  if (limits.length) console.log(`commit limit (${limits[0]!.tool}, one 2 KB jsonb row per transaction): ${limits.map((l) => `${l.commits_per_s}/s at ${l.clients} clients`).join(', ')}`);
  console.log(`${'system'.padEnd(21)} ${'start → awaiting approval'.padEnd(46)} ${'approve → verifying (DBOS: → done)'.padEnd(46)} end to end`);
  for (const r of rows) {
    const e = r.end_to_end;
    console.log(`${r.system.padEnd(21)} ${cell(r.start).padEnd(46)} ${cell(r.approve).padEnd(46)} ${e.runs_per_s}/s, ${e.commits_per_run ?? '-'} c/run${r.verify ? ` (verify → completed ${r.verify.runs_per_s}/s)` : ''}${typeof r.cpu_ms_per_run === 'number' ? `, node CPU ${r.cpu_ms_per_run} ms/run` : ''}${typeof r.client_cpu_ms_per_run === 'number' ? ` (+ load generator ${r.client_cpu_ms_per_run})` : ''}${typeof r.db_cpu_ms_per_run === 'number' ? `, PostgreSQL CPU ${r.db_cpu_ms_per_run} ms/run` : ''}`);
  }
  for (const key of HALF_OF_PEAK) {
    const halves = rows.filter((r) => r[key]);
    if (!halves.length) continue;
    const when = (h: HalfOfPeak) => (h.settle_ms ? `${h.settle_ms} ms after its runs were started` : 'right after its runs were started');
    console.log(`approve over HTTP at half of peak (open loop, latency from arrival), ${when(halves[0]![key] as HalfOfPeak)}: ${halves.map((r) => {
      const h = r[key] as HalfOfPeak;
      const w = h.server;
      const k = h.host;
      return `${r.system} ${h.offered_per_s}/s offered: p50 ${h.p50_ms} ms, p99 ${h.p99_ms} ms${w ? ` (server: event loop delay p99 ${w.loop_delay_p99_ms} ms, max ${w.loop_delay_max_ms}; longest GC pause ${w.gc_pause_max_ms} ms, ${w.gc_pause_total_ms} ms in all; ${w.gc_major} full collection(s)${w.gc_major ? `, longest ${w.gc_major_max_ms} ms` : ''})` : ''}${k ? `; the kernel's memory monitor (kdamond${k.kdamond_sample_ms ? `, a sample every ${k.kdamond_sample_ms} ms` : ''}) took ${k.kdamond_cpu_ms} ms of CPU during it${k.apart ? ` in ${k.bursts} bursts; the ${k.apart.approvals} approvals that met none: p50 ${k.apart.p50_ms} ms, p99 ${k.apart.p99_ms} ms` : ''}` : ''}`;
    }).join('; ')}`);
  }
  if (peer) {
    const e2e = (r: Result) => 1 / (1 / r.start.runs_per_s + 1 / r.approve.runs_per_s);
    console.log(`ratios to DBOS end to end (start + approve): ${rows.slice(0, -1).map((r) => `${r.system} ${(e2e(r) / e2e(peer)).toFixed(2)}×`).join(', ')}`);
  } else {
    console.log(`DBOS peer skipped: ${skipPeer}`);
  }
  const withDb = rows.filter((r) => typeof r.db_cpu_ms_per_run === 'number' && typeof r.cpu_ms_per_run === 'number');
  // What a run costs the machine: the system's own processes (the load generator too, over HTTP) and PostgreSQL,
  // for start + approve. On a machine whose cores they share, the ratio of runs/s follows the ratio of these.
  if (withDb.length) console.log(`CPU per run (start + approve: Node + PostgreSQL): ${withDb.map((r) => `${r.system} ${(Number(r.cpu_ms_per_run) + Number(r.client_cpu_ms_per_run ?? 0) + Number(r.db_cpu_ms_per_run)).toFixed(1)} ms`).join(', ')}`);
  console.log(JSON.stringify({ runs: N, concurrency: C, commit_limit: limits, results: rows }));
} finally {
  await admin.end();
}
