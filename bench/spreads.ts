// What an object literal that begins with a spread costs when it goes on (`{ ...row, etag }`, `{ ...a, ...b }`),
// against the same object written out, Object.assign, and the spread alone, on this Node. On Node 20 (V8 11) each
// property the rest of such a literal adds takes a slow path that builds a new hidden class every time;
// tests/structure/spread-literals.test.ts keeps the form out of the product. tsx bench/spreads.ts
const N = Number(process.env.BENCH_SPREAD_RUNS ?? 200_000);
const small = { start: 23, end: 33 };
const other = { raw: 1, key: 'k' };
const ten = { p0: 0, p1: 1, p2: 2, p3: 3, p4: 4, p5: 5, p6: 6, p7: 7, p8: 8, p9: 9 };
let sink: unknown;
function ns(make: (i: number) => unknown): number {
  for (let i = 0; i < 10_000; i++) sink = make(i);
  const t = performance.now();
  for (let i = 0; i < N; i++) sink = make(i);
  return ((performance.now() - t) * 1e6) / N;
}
const rows: [string, (i: number) => unknown][] = [
  ['{ ...small }', () => ({ ...small })],
  ['{ ...small, raw, key }', (i) => ({ ...small, raw: i, key: 'k' })],
  ['Object.assign({}, small, { raw, key })', (i) => Object.assign({}, small, { raw: i, key: 'k' })],
  ['{ start, end, raw, key } written out', (i) => ({ start: small.start, end: small.end, raw: i, key: 'k' })],
  ['{ ...small, ...other } (new keys)', () => ({ ...small, ...other })],
  ['Object.assign({}, small, other)', () => Object.assign({}, small, other)],
  ['{ ...ten }', () => ({ ...ten })],
  ['{ ...ten, raw }', (i) => ({ ...ten, raw: i })],
  ['Object.assign({}, ten, { raw })', (i) => Object.assign({}, ten, { raw: i })],
];
console.log(`node ${process.version}, ${N} objects each, ns per object`);
for (const [name, make] of rows) console.log(`${name.padEnd(42)}${ns(make).toFixed(0).padStart(8)}`);
void sink;
