// Where a process spent its time, from a V8 CPU profile (node --cpu-prof; BENCH_CPU_PROF=<dir> npm run bench
// writes a folder per system): self time grouped by what the code belongs to, then the top functions.
// Usage: tsx bench/profile-summary.ts <file.cpuprofile | folder> [top=15]. Given a folder, it reads the
// profile of the busiest thread in it (node writes one per thread; tsx's module loader has its own).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const [arg, topArg] = process.argv.slice(2);
if (!arg) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile | folder> [top]');
const busy = (q: Profile) => {
  const idle = new Set(q.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  return q.samples.reduce((t, id, i) => t + (idle.has(id) ? 0 : (q.timeDeltas[i] ?? 0)), 0);
};
const candidates = statSync(arg).isDirectory()
  ? readdirSync(arg).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(arg, f))
  : [arg];
const [file, p] = candidates
  .map((f) => [f, JSON.parse(readFileSync(f, 'utf8')) as Profile] as const)
  .reduce((a, b) => (busy(b[1]) > busy(a[1]) ? b : a));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** What a frame belongs to: a package, a folder of ours, node's internals, or V8's pseudo-frames. */
function groupOf(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (!url) {
    if (functionName === '(idle)') return '(idle: waiting for I/O)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: V8 and native)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm: ${pkg[1]}`;
  if (url.includes('/vendor/postgres/')) return 'postgres.js (vendor/postgres)';
  if (url.startsWith('node:')) {
    if (/node:(net|internal\/stream_base_commons|internal\/net|stream|internal\/streams)/.test(url)) return 'node: sockets and streams';
    return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  }
  const ours = /\/(machines|dispute|steps|runtime|persistence|server|bench|visualizer)\//.exec(url);
  return ours ? `ours: ${ours[1]}/` : url;
}

const groups = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const g = groupOf(n);
  groups.set(g, (groups.get(g) ?? 0) + t);
  const where = n.callFrame.url ? `${n.callFrame.url.replace(/^.*\/(node_modules|vendor|work\/[^/]+)\//, '')}:${n.callFrame.lineNumber + 1}` : '';
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
for (const [g, t] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${pct(t)}  ${g}`);
console.log('  top functions (self time):');
for (const [f, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 15))) console.log(`  ${pct(t)}  ${f}`);
