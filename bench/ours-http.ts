// The served product over real HTTP: signed POST /webhooks/triage (→ awaiting approval), then
// POST /proposed-actions/:id/approve (→ verifying), against bench/serve.ts in its own process.
// A child of bench/run.ts (same environment as bench/ours-engine.ts). Prints one JSON line. As there: a timed
// pass, then a counted one for commits per run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { sqlClient } from '../persistence/connect.ts';
import { ADMIN_URL, analyzeAfterWarmup, commitsPerPhase, databaseCpuTally, timed, type PreparedPhase, drive, kernelMonitor, kernelMonitorCpuMs, type HostMonitor, nodeArgs, paced, percentile, phase, apartFromBursts, watchKernelMonitor, triageBody, WARMUP } from './lib.ts';

const BENCH_SECRET = 'bench-webhook-secret-0123456789';
const BENCH_TOKEN = 'bench-token-0123456789';
const name = process.env.BENCH_DB_NAME!;
const N = Number(process.env.BENCH_RUNS ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
// How long the second open-loop phase waits after its runs were started (BENCH_SETTLE_MS, 1000).
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 1000);

// BENCH_SERVER_NODE_FLAGS: node flags for the server processes besides npm start's (to try one; BENCHMARKS.md).
const serverFlags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
// BENCH_HTTP_PROCESSES (1): that many server processes against the one database, as several instances behind a
// load balancer are deployed; the load generator sends request i to server i mod K (round robin).
const K = Math.max(1, Number(process.env.BENCH_HTTP_PROCESSES ?? 1));
const serveArgs = await nodeArgs('bench/serve.ts');
const serverProcs = Array.from({ length: K }, (_, k) => {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/serve${process.env.BENCH_DB_URL?.includes('host=') ? '-socket' : ''}${K > 1 ? `-${k}` : ''}`] : [];
  return spawn(process.execPath, [...prof, ...serverFlags, ...serveArgs], {
    env: { ...process.env, BENCH_POOL: String(Math.ceil(C / K) + 2) }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
});
const bases = await Promise.all(serverProcs.map(async (server) => {
  const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
  return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
}));
const base = bases[0]!;
/** CPU time so far (ms) of the server processes (/proc/<pid>/stat: utime + stime, in clock ticks of 10 ms) and of this process. */
function cpuNow(): { servers: number; client: number } {
  const servers = serverProcs.reduce((sum, p) => {
    const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return sum + (Number(f[11]) + Number(f[12])) * 10;
  }, 0);
  const u = process.cpuUsage();
  return { servers, client: (u.user + u.system) / 1000 };
}
const cpuSince = (a: ReturnType<typeof cpuNow>) => { const b = cpuNow(); return { servers: b.servers - a.servers, client: b.client - a.client }; };
/** A question to a server process over its IPC channel (bench/serve.ts), and its answer. */
function ask(p: (typeof serverProcs)[number], question: string): Promise<Record<string, number | boolean>> {
  return new Promise((resolve) => {
    p.once('message', (m) => resolve(m as Record<string, number | boolean>));
    p.send(question);
  });
}
let turn = 0;
/** The next server, round robin. */
const next = () => bases[turn++ % K]!;
const admin = sqlClient(ADMIN_URL, 1);

// The load generator sends with node:http over kept-alive connections (one per request in flight): it shares
// the two cores with the server and PostgreSQL, and fetch (undici) cost it about twice the CPU per request.
const agent = new Agent({ keepAlive: true, maxSockets: C });
function post(path: string, body: unknown, headers: Record<string, string>, expect: number[]): Promise<Record<string, unknown>> {
  const raw = Buffer.from(JSON.stringify(body));
  const url = new URL(next() + path);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': raw.length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (!expect.includes(res.statusCode!)) reject(new Error(`${path}: ${res.statusCode} ${text.slice(0, 200)}`));
        else resolve(JSON.parse(text) as Record<string, unknown>);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(raw);
  });
}
const sign = (raw: string) => `sha256=${createHmac('sha256', BENCH_SECRET).update(raw).digest('hex')}`;

type Phase = PreparedPhase<Awaited<ReturnType<typeof drive>>>;
const triageAt = (prefix: string) => async (i: number) => {
  const body = { ...triageBody(i, prefix) };
  await post('/webhooks/triage', body, { 'x-signature': sign(JSON.stringify(body)) }, [202]);
};
const approveAt = (p: { id: number }) => post(`/proposed-actions/${p.id}/approve`, { note: 'bench' }, { authorization: `Bearer ${BENCH_TOKEN}` }, [200]);
/** The approver's queue of envelopes, page by page (not timed: the approvals page fetches it once, not per decision). */
async function pendingEnvelopes(): Promise<{ id: number }[]> {
  const pending: { id: number }[] = [];
  let cursor: string | null = null;
  do {
    const res = await fetch(`${base}/proposed-actions?status=pending&limit=200${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
    const page = (await res.json()) as { items: { id: number; action_type: string }[]; next_cursor: string | null };
    pending.push(...page.items.filter((p) => p.action_type === 'workflow_customer_invoice_dispute'));
    cursor = page.next_cursor;
  } while (cursor);
  return pending;
}

try {
  // Warm-up, unmeasured: whole runs through the server (its modules, the NLP model, JIT, the pool).
  await drive(WARMUP, C, triageAt('warm'));
  const warm = await pendingEnvelopes();
  await drive(warm.length, C, (i) => approveAt(warm[i]!));
  await analyzeAfterWarmup([name]);
  // Each phase once, for both passes; `prefix` names the pass's runs.
  const phases = (prefix: string): [Phase, Phase] => [
    async () => () => drive(N, C, triageAt(prefix)),
    async () => {
      const envelopes = await pendingEnvelopes();
      return () => drive(envelopes.length, C, (i) => approveAt(envelopes[i]!));
    },
  ];
  // The timed pass: triage and approve back to back, as a server under load answers them; the servers', this
  // load generator's and PostgreSQL's CPU counted.
  const db = databaseCpuTally();
  const cpu = () => {
    const c = cpuNow();
    db.begin();
    return () => {
      db.end();
      return cpuSince(c);
    };
  };
  const [triagePhase, approvePhase] = phases('http');
  const { run: triage, used: cpuTriage } = await timed(triagePhase, cpu);
  const { run: approve, used: cpuApprove } = await timed(approvePhase, cpu);
  // Approvals arriving at half of the approve rate just measured (the peak at this concurrency), open loop:
  // issue 13's "approve p99 at half of peak". Twice: right after their runs were started (closed loop, at full
  // speed, as every round until 20 measured it) and, on as many runs again, one second later (the steady state
  // the target names: the start's garbage and backlog behind it; BENCHMARKS.md round 21).
  const halfRate = Math.max(1, Math.round(N / (approve.ms / 1000) / 2));
  const atHalfOfPeak = async (prefix: string, settleMs: number) => {
    // Their runs started first, unmeasured.
    await drive(N, C, triageAt(prefix));
    const more = await pendingEnvelopes();
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    await Promise.all(serverProcs.map((p) => ask(p, 'reset')));
    // The kernel's memory monitor, if the machine runs one: its bursts set this phase's p99 (BENCHMARKS.md round
    // 19). Its bursts are watched too (a read of its run time every 2 ms), to report the approvals that met none apart.
    const monitor = kernelMonitor();
    const monitorFrom = monitor ? kernelMonitorCpuMs(monitor) : 0;
    const watch = monitor ? watchKernelMonitor(monitor, 2) : null;
    const half = await paced(more.length, halfRate, (i) => approveAt(more[i]!));
    const bursts = watch?.stop() ?? [];
    const apart = apartFromBursts(half.spans, bursts);
    const host: HostMonitor | null = monitor ? {
      kdamond_cpu_ms: +(kernelMonitorCpuMs(monitor) - monitorFrom).toFixed(1), kdamond_sample_ms: monitor.sample_ms, bursts: bursts.length,
      apart: { approvals: apart.latencies.length, p50_ms: +percentile(apart.latencies, 50).toFixed(1), p99_ms: +percentile(apart.latencies, 99).toFixed(1) },
    } : null;
    // Where the slow answers waited, in the server processes (the first's; bench/serve.ts).
    const waits = await ask(serverProcs[0]!, 'report');
    return { ...phase(more.length, half), offered_per_s: halfRate, settle_ms: settleMs, server: waits, ...(host ? { host } : {}) };
  };
  const halfAfterStarts = await atHalfOfPeak('half', 0);
  const halfSettled = await atHalfOfPeak('settled', SETTLE_MS);
  // The counted pass: as many runs again, each phase between quiet waits (commits per run).
  const [cTriage, cApprove] = await commitsPerPhase(admin, [name], phases('counted'));
  console.log(JSON.stringify({
    system: K > 1 ? `ours-http ×${K}` : 'ours-http', runs: N, concurrency: C, approved: approve.latencies.length,
    start: phase(N, triage, cTriage),
    approve: phase(approve.latencies.length, approve, cApprove),
    // CPU per run (start + approve) of the server processes (the product) and of this load generator, which
    // shares the machine's cores with them and with PostgreSQL.
    cpu_ms_per_run: +((cpuTriage.servers + cpuApprove.servers) / N).toFixed(2),
    client_cpu_ms_per_run: +((cpuTriage.client + cpuApprove.client) / N).toFixed(2),
    // PostgreSQL's CPU for the same start + approve, per run (null when the server is not on this machine).
    db_cpu_ms_per_run: db.perRun(N),
    approve_at_half_peak: halfAfterStarts,
    approve_at_half_peak_settled: halfSettled,
    end_to_end: { runs_per_s: Math.round(N / ((triage.ms + approve.ms) / 1000)), commits_per_run: cTriage == null || cApprove == null ? null : +((cTriage + cApprove) / N).toFixed(2) },
  }));
} finally {
  // Their CPU profiles, if any, are written on exit.
  await Promise.all(serverProcs.map(async (server) => {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }));
  agent.destroy();
  await admin.end();
}
