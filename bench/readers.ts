// The email readers against hostile input: for each worst-case family of tests/dispute/helpers/hostile.ts,
// the time to read one triage event at the size limits (body 200,000 characters with subject, summary and
// sender at theirs; and an event with only a summary, of 20,000), through the pure halves of the extraction
// step (prepareExtraction, then finishExtraction against the sample mirror held in memory). No database.
// BENCH_READER_RUNS (default 5) runs per family after a first, cold one (which also compiles the regular
// expressions); medians are reported, as CPU time of this process and as elapsed time (which other processes
// on a shared machine inflate). The target: every family well under 100 ms.
import type { ExtractInput } from '../dispute/extract.ts';
import { FAMILIES, LIMITS, hostileInput, mixed, summaryOnlyInput, type HostileFamily } from '../tests/dispute/helpers/hostile.ts';
import { extractInMemory, loadMirror } from '../tests/dispute/helpers/mirror.ts';

const RUNS = Number(process.env.BENCH_READER_RUNS ?? 5);
const mirror = loadMirror();

function once(input: ExtractInput): { cpu: number; wall: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  extractInMemory(mirror, input);
  const wall = performance.now() - t;
  const used = process.cpuUsage(c);
  return { cpu: (used.user + used.system) / 1000, wall };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function measure(input: ExtractInput): { cpu: number; wall: number } {
  const runs = Array.from({ length: RUNS }, () => once(input));
  return { cpu: median(runs.map((r) => r.cpu)), wall: median(runs.map((r) => r.wall)) };
}

const families: HostileFamily[] = [...FAMILIES, ...[11, 12, 13].map((seed) => ({ name: `mixed tokens, seed ${seed}`, body: (n: number) => mixed(n, seed) }))];
const rows = families.map((f) => {
  const full = hostileInput(f, LIMITS.body);
  const cold = once(full);
  return { name: f.name, cold: cold.wall, body: measure(full), summary: measure(summaryOnlyInput(f, LIMITS.reason_text)) };
});

const ms = (x: number, width = 10) => `${x.toFixed(1)} ms`.padStart(width);
console.log(`readers at the size limits: median of ${RUNS} runs (cpu = CPU time of this process, wall = elapsed), cold = first run`);
console.log(`${'family'.padEnd(44)}${'body cpu'.padStart(10)}${'body wall'.padStart(11)}${'cold wall'.padStart(11)}${'summary cpu'.padStart(13)}`);
for (const r of [...rows].sort((a, b) => b.body.cpu - a.body.cpu)) {
  console.log(`${r.name.padEnd(44)}${ms(r.body.cpu)}${ms(r.body.wall, 11)}${ms(r.cold, 11)}${ms(r.summary.cpu, 13)}`);
}
const worst = rows.reduce((a, b) => (b.body.cpu > a.body.cpu ? b : a));
console.log(`worst family at the body limit: ${worst.name}, ${worst.body.cpu.toFixed(1)} ms CPU (${worst.body.wall.toFixed(1)} ms elapsed)`);

// Ordinary mail: every labeled email of data/emails/ read three times after a warm-up pass (the target of
// issue 10: one email in at most 5 ms at the 99th percentile), through the same pure extraction.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dataDir = join(import.meta.dirname, '../data/emails');
const emails = readdirSync(dataDir)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => readFileSync(join(dataDir, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { from: string; subject: string; body: string }));
const inputOf = (e: { from: string; subject: string; body: string }): ExtractInput => ({ email: { from: e.from, subject: e.subject, body: e.body }, reason_text: '' });
for (const e of emails) once(inputOf(e));
const perEmail = emails.map((e) => [0, 1, 2].map(() => once(inputOf(e))));
const runs = perEmail.flat();
const pctOf = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
for (const kind of ['cpu', 'wall'] as const) {
  const xs = runs.map((r) => r[kind]);
  console.log(`one labeled email (${emails.length} emails x 3, ${kind === 'cpu' ? 'CPU time' : 'elapsed'}): p50 ${pctOf(xs, 0.5).toFixed(2)} ms, p90 ${pctOf(xs, 0.9).toFixed(2)} ms, p99 ${pctOf(xs, 0.99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`);
}
// The same runs, each email's fastest of three: what reading it costs when no neighbour process or
// collection of garbage lands on it (on a shared machine the 99th percentile above is mostly those).
const fastest = perEmail.map((rs) => Math.min(...rs.map((r) => r.cpu)));
console.log(`one labeled email, fastest of its 3 runs (CPU time): p50 ${pctOf(fastest, 0.5).toFixed(2)} ms, p90 ${pctOf(fastest, 0.9).toFixed(2)} ms, p99 ${pctOf(fastest, 0.99).toFixed(2)} ms, max ${Math.max(...fastest).toFixed(2)} ms`);
