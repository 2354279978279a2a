// Hostile input (issue 8, item 1): one email must not stall the server, so reading any email takes time
// linear in its length. Speed is measured by bench/readers.ts, never asserted here as a timing; what this
// file asserts is the shape of the growth, through the same pure entry points steps/extract.ts calls
// (prepareExtraction, then finishExtraction against the sample mirror): 8 times the text may take at most
// 20 times as long, where quadratic work takes 64 times; plus a stall guard far above any healthy time.
import { describe, expect, it } from 'vitest';
import type { ExtractInput } from '../../dispute/extract.ts';
import { FAMILIES, LIMITS, hostileInput, mixed, summaryOnlyInput } from './helpers/hostile.ts';
import { extractInMemory, loadMirror } from './helpers/mirror.ts';

const mirror = loadMirror();
const N = 20_000;
const GROWTH = 8;
const MAX_RATIO = 20;
// Before the fix the worst family took about 5 minutes at the body limit; healthy reading takes milliseconds.
const STALL_MS = 2_000;

// CPU time of this process, not the clock: the machine is shared, and waiting for a core is not reading.
const once = (input: ExtractInput): number => {
  const t = process.cpuUsage();
  extractInMemory(mirror, input);
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1000;
};
// The fastest of a few runs: a collection of garbage or a cache thrashed by a neighbour only ever adds time.
const fastest = (input: ExtractInput, runs = 5): number => Math.min(...Array.from({ length: runs }, () => once(input)));

describe.each(FAMILIES)('hostile family $name', (f) => {
  it(`takes at most ${MAX_RATIO}x the time for ${GROWTH}x the text`, () => {
    const small = hostileInput(f, N);
    once(small); // compiles the regular expressions and warms up the readers
    const t1 = fastest(small);
    // Fail fast instead of waiting minutes for the large input.
    expect(t1, `${N} characters took ${t1.toFixed(0)} ms`).toBeLessThan(STALL_MS);
    const t8 = fastest(hostileInput(f, GROWTH * N));
    expect(t8 / t1, `${N} characters: ${t1.toFixed(1)} ms, ${GROWTH * N}: ${t8.toFixed(1)} ms`).toBeLessThan(MAX_RATIO);
  });

  it('reads the email at the size limits without stalling', () => {
    const full = once(hostileInput(f, LIMITS.body));
    expect(full, `body of ${LIMITS.body} characters took ${full.toFixed(0)} ms`).toBeLessThan(STALL_MS);
    const summary = once(summaryOnlyInput(f, LIMITS.reason_text));
    expect(summary, `reason_text of ${LIMITS.reason_text} characters took ${summary.toFixed(0)} ms`).toBeLessThan(STALL_MS);
  });
});

describe('random mixtures of reader tokens', () => {
  it.each([1, 2, 3, 4, 5])(`seed %i: ${GROWTH}x the text takes at most ${MAX_RATIO}x the time`, (seed) => {
    const input = (n: number): ExtractInput => ({ email: { from: 'ap@customer.example', subject: mixed(n / 100, seed), body: mixed(n, seed) }, reason_text: mixed(n / 10, seed) });
    once(input(N));
    const t1 = fastest(input(N), 3);
    expect(t1, `${N} characters took ${t1.toFixed(0)} ms`).toBeLessThan(STALL_MS);
    const t8 = fastest(input(GROWTH * N), 3);
    expect(t8 / t1, `${N} characters: ${t1.toFixed(1)} ms, ${GROWTH * N}: ${t8.toFixed(1)} ms`).toBeLessThan(MAX_RATIO);
  });
});
