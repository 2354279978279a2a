// What the benchmarks share: a scratch database with the sample mirror, a bounded-concurrency driver that
// records each call's latency, percentiles, and commits counted from pg_stat_database.
import { randomBytes } from 'node:crypto';
import { namesThisMachine, socketDirectory, sqlClient, type Sql } from '../persistence/connect.ts';
import { migrate } from '../persistence/migrate.ts';
import { importMirror } from '../persistence/mirror/import.ts';
import { SAMPLE_MIRROR_DIR } from '../persistence/mirror/sample.ts';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { bundle, bundleServer, NODE_FLAGS } from '../scripts/build.mjs';

export const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the admin URL's server (same host, user, parameters). */
export function urlOf(name: string, admin = ADMIN_URL): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * How to run one of our TypeScript entry points as node arguments: built into dist/bench/ by scripts/build.mjs and
 * run by plain node, as `npm start` runs the server (tsx's loader thread costs about 40 MB of RSS, not CPU). Under
 * BENCH_CPU_PROF the sources run under tsx instead, so that the profile names our folders (bench/profile-summary.ts
 * groups by file), not one bundle.
 */
const built = new Map<string, Promise<string>>();
export async function nodeArgs(entry: string): Promise<string[]> {
  const abs = new URL(`../${entry}`, import.meta.url).pathname;
  if (process.env.BENCH_CPU_PROF) return ['--import', 'tsx', abs];
  // Built once per process, however many systems and rounds run it.
  if (!built.has(entry)) {
    built.set(entry, entry === 'server/main.ts' ? bundleServer() : bundle(entry, `dist/bench/${entry.replace(/^bench\//, '').replace(/\.ts$/, '.js')}`));
  }
  return [...NODE_FLAGS, await built.get(entry)!];
}

/**
 * Calls `seen` with every chunk this process writes to a socket other than stdout and stderr (the database's,
 * in the benchmarks that count what a run sends), before it is written.
 */
export function watchSocketWrites(seen: (socket: net.Socket, chunk: unknown) => void): void {
  const write = net.Socket.prototype.write as (...a: unknown[]) => boolean;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    if (this !== process.stdout && this !== process.stderr) seen(this, args[0]);
    return write.apply(this, args);
  } as typeof net.Socket.prototype.write;
}

/** A fresh database named disputeflow_bench_<hex>, migrated, with the sample mirror loaded. */
export async function scratchDatabase(admin: Sql, prefix = 'disputeflow_bench'): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = urlOf(name);
  const sql = sqlClient(url, 2);
  try {
    await migrate(sql);
    await importMirror(sql, SAMPLE_MIRROR_DIR);
  } finally {
    await sql.end();
  }
  return { name, url };
}

/**
 * Runs every system does first, unmeasured (BENCH_WARMUP, 1000): module loading, the NLP model, JIT and the
 * connection pools warm up, so the figures are the steady state a running server has, for ours and the peer alike.
 * Why a thousand: V8 keeps optimizing our code for about that many runs. Measured with the engine, 200 runs at a
 * time in one process with ANALYZE between (1 December 2026): Node CPU per start and approval 12.1 ms over the
 * first 200 runs, 7.9 over the next, 6.4 at 800–1000, 5.4–6.0 after 1000; until round 7 the benchmarks warmed
 * up with 20 runs and measured the next 300 on the way down that slope. The peer gets the same count.
 */
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000);

/**
 * ANALYZE each database after the warm-up, as autovacuum does on a server that has been running a minute. A
 * scratch database was last analyzed when it had no runs; the planner would then take the warm-up's hundreds of
 * runs of one customer for none, and plan the context's history query (persistence/history.ts) as a walk of
 * every run of that customer: 2.9 ms of PostgreSQL per run at 400 runs, growing with each, against 0.3 ms with
 * statistics (BENCHMARKS.md). Every system gets the same, the peer included. BENCH_ANALYZE=0 leaves it out.
 */
export async function analyzeAfterWarmup(databases: string[]): Promise<void> {
  if (process.env.BENCH_ANALYZE === '0') return;
  for (const name of databases) {
    const sql = sqlClient(urlOf(name), 1);
    try {
      await sql`ANALYZE`;
    } finally {
      await sql.end();
    }
  }
}

export interface Phase {
  runs_per_s: number;
  p50_ms: number;
  p99_ms: number;
  commits_per_run?: number | null;
}

/** Runs f(0..n-1) with c calls in flight; returns the elapsed time and every call's latency. */
export async function drive(n: number, c: number, f: (i: number) => Promise<unknown>): Promise<{ ms: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
    while (next < n) {
      const i = next++;
      const t = performance.now();
      await f(i);
      latencies.push(performance.now() - t);
    }
  }));
  return { ms: performance.now() - t0, latencies };
}

/**
 * Open loop: starts f(i) at t0 + i / rate whether or not earlier calls have answered (requests arrive at that
 * rate, as from many clients), and times each call from the moment it was due, so a call that had to wait
 * for the process counts its wait (no coordinated omission).
 */
export async function paced(n: number, ratePerS: number, f: (i: number) => Promise<unknown>): Promise<{ ms: number; latencies: number[]; spans: Span[] }> {
  const spans: Span[] = [];
  const t0 = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    calls.push(f(i).then(() => {
      spans.push({ from: due, to: performance.now() });
    }));
  }
  await Promise.all(calls);
  return { ms: performance.now() - t0, latencies: spans.map((s) => s.to - s.from), spans };
}

/** A stretch of time on this process's clock (performance.now(), ms): a call from when it was due to its answer, or a burst. */
export interface Span {
  from: number;
  to: number;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Latency of one call, after one call to warm it: p50 and p95 in ms over n calls made one after another. */
export async function timeCalls(call: () => Promise<unknown>, n: number): Promise<{ p50_ms: number; p95_ms: number }> {
  await call();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    ms.push(performance.now() - t);
  }
  return { p50_ms: +percentile(ms, 50).toFixed(1), p95_ms: +percentile(ms, 95).toFixed(1) };
}

export function phase(n: number, r: { ms: number; latencies: number[] }, commits?: number | null): Phase {
  return {
    runs_per_s: Math.round(n / (r.ms / 1000)),
    p50_ms: +percentile(r.latencies, 50).toFixed(1),
    p99_ms: +percentile(r.latencies, 99).toFixed(1),
    ...(commits === undefined ? {} : { commits_per_run: commits === null ? null : +(commits / n).toFixed(2) }),
  };
}

/**
 * Committed transactions in the given databases, once every backend has reported. A backend reports its
 * counters when it goes idle, but at most once a second, and otherwise within 10 s (PostgreSQL 15's
 * PGSTAT_IDLE_INTERVAL): waiting 11 s after a phase counts every commit of every process, ours and the
 * peer's alike, without having to close their pools. BENCH_STATS_WAIT_MS=0 skips the wait (and the count:
 * null), for the tiny CI setting.
 */
export async function commitsAfterQuiet(admin: Sql, names: string[]): Promise<number | null> {
  const wait = Number(process.env.BENCH_STATS_WAIT_MS ?? 11_000);
  if (wait <= 0) return null;
  await new Promise((r) => setTimeout(r, wait));
  const [r] = await admin<{ c: number }[]>`SELECT coalesce(sum(xact_commit), 0)::bigint AS c FROM pg_stat_database WHERE datname = ANY(${names})`;
  return Number(r!.c);
}

/**
 * One phase of a pass, written once for both passes: `prepare` runs outside what is timed or counted (fetching
 * the envelopes to approve, say) and returns the work that is.
 */
export type PreparedPhase<T = unknown> = () => Promise<() => Promise<T>>;

/**
 * A phase of the timed pass: prepared, then its work between `measure`'s start and the stop it returns (the CPU
 * of the processes doing it, say), whose answer comes back as `used`.
 */
export async function timed<T, M = undefined>(prepare: PreparedPhase<T>, measure?: () => () => M): Promise<{ run: T; used: M }> {
  const work = await prepare();
  const stop = measure?.();
  const run = await work();
  return { run, used: stop?.() as M };
}

/**
 * Commits per phase, in a pass of its own after the timed one: for each phase, the work prepared, a quiet wait
 * (commitsAfterQuiet), the work, another quiet wait. The timed pass runs without these waits: a phase timed right
 * after eleven idle seconds starts cold (the same build, 300 runs: 4.9–5.5 ms of Node CPU per run after the wait,
 * 3.4–3.8 without; BENCHMARKS.md round 14), which costs a short phase more than a long one, so the faster system
 * more than the slower. Null when BENCH_STATS_WAIT_MS=0 (the pass is then not run at all).
 */
export async function commitsPerPhase(admin: Sql, names: string[], phases: PreparedPhase[]): Promise<(number | null)[]> {
  if (Number(process.env.BENCH_STATS_WAIT_MS ?? 11_000) <= 0) return phases.map(() => null);
  const counts: (number | null)[] = [];
  for (const prepare of phases) {
    const work = await prepare();
    const before = await commitsAfterQuiet(admin, names);
    await work();
    const after = await commitsAfterQuiet(admin, names);
    counts.push(before === null || after === null ? null : after - before);
  }
  return counts;
}

/** The triage body every system starts from (a real dispute of the sample mirror). */
export function triageBody(i: number, prefix = 'bench') {
  return {
    email_uuid: `${prefix}-${i}`,
    reason_text: 'Pricing discrepancy on INV-004143',
    customer_id: null,
    invoice_ref: null,
    email: {
      from: 'James Okafor <james.okafor@bluewatermarine.example>',
      subject: 'Pricing discrepancy on INV-004143',
      body: 'We received invoice INV-004143 for our PO-67784. The spools are billed at $118.90 but our contract price is $104.50. Please credit $172.80.',
    },
  };
}

// Clock ticks per second of /proc/<pid>/stat's CPU times (100 on Linux; asked once).
let ticks: number | null = null;

/**
 * CPU time (user + system, ms) used so far by the PostgreSQL server's processes on this machine — its backends,
 * WAL writer, checkpointer and the rest, every process whose name is `postgres` — or null when the server is not
 * local, /proc cannot be read or shows no such process. The difference across a phase is what PostgreSQL spent
 * on it, as long as the phase's system is the only one using the server: on two cores that PostgreSQL shares with
 * the process under test, half of what a run costs the machine.
 */
export function databaseCpuMs(url = ADMIN_URL): number | null {
  if (process.platform !== 'linux' || !(namesThisMachine(url) || socketDirectory(url))) return null;
  try {
    ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    let t = 0;
    let seen = false;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // ended between the listing and the read
      }
      // pid (comm) state ppid … utime stime: fields 14 and 15, counted after the command's closing parenthesis.
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const f = stat.slice(close + 2).split(' ');
      t += Number(f[11]) + Number(f[12]);
      seen = true;
    }
    return seen ? (t * 1000) / ticks : null;
  } catch {
    return null;
  }
}

/**
 * PostgreSQL's CPU over the phases of a measurement: `begin()` before each, `end()` after; `perRun(n)` is the
 * total per run, or null when any reading was (databaseCpuMs).
 */
export function databaseCpuTally() {
  let total: number | null = 0;
  let from: number | null = null;
  return {
    begin() {
      from = databaseCpuMs();
    },
    end() {
      const now = databaseCpuMs();
      total = total === null || from === null || now === null ? null : total + now - from;
    },
    perRun: (runs: number) => (total === null ? null : +(total / runs).toFixed(2)),
  };
}

/**
 * A `measure` for `timed`: the CPU (user + system, ms) this process uses in a phase, PostgreSQL's added to `db`.
 */
export const thisProcessCpu = (db: ReturnType<typeof databaseCpuTally>) => (): (() => number) => {
  const c = process.cpuUsage();
  db.begin();
  return () => {
    db.end();
    const used = process.cpuUsage(c);
    return (used.user + used.system) / 1000;
  };
};

/**
 * The kernel's data-access monitor (DAMON), when the machine runs one: its `kdamond` threads (found by name in /proc)
 * and how often the first samples memory (sysfs, `monitoring_attrs/intervals/sample_us`). On the machines these
 * benchmarks ran on, one samples physical memory every 500 ms; idle it takes 1.5–2.4 ms of CPU a sample, under the
 * benchmarks' load 3–17 ms, and the requests due in those milliseconds wait for a core (BENCHMARKS.md round 19). Null
 * when there is none or /proc cannot be read.
 */
export function kernelMonitor(): { pids: number[]; sample_ms: number | null } | null {
  if (process.platform !== 'linux') return null;
  try {
    const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && commOf(p)?.startsWith('kdamond')).map(Number);
    if (!pids.length) return null;
    let sample: number | null = null;
    try {
      sample = Number(readFileSync('/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/intervals/sample_us', 'utf8')) / 1000 || null;
    } catch {
      // Set up another way (a module's parameters): the threads are still measured.
    }
    return { pids, sample_ms: sample };
  } catch {
    return null;
  }
}
function commOf(pid: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null; // ended between the listing and the read
  }
}
/** What the kernel's memory monitor took during a phase (bench/ours-http.ts), as the side-by-side reports it. */
export interface HostMonitor {
  kdamond_cpu_ms: number;
  kdamond_sample_ms: number | null;
  /** The monitor's bursts during the phase, and the approvals that met none of them: how many, p50 and p99. */
  bursts?: number;
  apart?: { approvals: number; p50_ms: number; p99_ms: number };
}
/**
 * When the kernel monitor's threads ran, while it is watched: their run time (schedstat) read every `everyMs`,
 * and each read that finds it grown marks the stretch since the read before as a burst; bursts closer than
 * `everyMs` to each other are one. A read the event loop was late for makes its burst longer, never shorter, so
 * a call that met a burst is never counted as one that did not. `stop()` ends the watch and answers the bursts.
 */
export function watchKernelMonitor(monitor: { pids: number[] }, everyMs: number): { stop(): Span[] } {
  return watchCpu(() => kernelMonitorCpuMs(monitor), everyMs);
}
/** watchKernelMonitor's watch of any CPU counter (ms, never decreasing). */
export function watchCpu(read: () => number, everyMs: number): { stop(): Span[] } {
  const bursts: Span[] = [];
  let last = read();
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const cpu = read();
    const at = performance.now();
    if (cpu > last) {
      const prev = bursts.at(-1);
      if (prev && lastAt - prev.to <= everyMs) prev.to = at;
      else bursts.push({ from: lastAt, to: at });
    }
    last = cpu;
    lastAt = at;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return bursts;
    },
  };
}

/**
 * The latencies of the calls whose span met no burst (the call was waiting or being served at no moment of one),
 * and how many met one. Calls and bursts are on the same clock.
 */
export function apartFromBursts(calls: readonly Span[], bursts: readonly Span[]): { latencies: number[]; met: number } {
  const latencies: number[] = [];
  let met = 0;
  for (const c of calls) {
    // The bursts are few (two a second); a scan per call is plenty.
    if (bursts.some((b) => b.from < c.to && b.to > c.from)) met++;
    else latencies.push(c.to - c.from);
  }
  return { latencies, met };
}

/** The CPU (ms) the kernel monitor's threads have used so far: /proc/<pid>/schedstat's run time, in nanoseconds. */
export function kernelMonitorCpuMs(monitor: { pids: number[] }): number {
  let ns = 0;
  for (const pid of monitor.pids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread stopped (the monitor was turned off): what it used before is not counted.
    }
  }
  return ns / 1e6;
}
