// Hostile input (issue 8), as properties: whatever an outsider writes in any field of the triage event, the
// extraction returns a normal result, and reading stays linear in the length of what was written. fast-check
// draws arbitrary strings (any code unit, lone surrogates included), graphemes, and runs of the tokens the
// readers react to, with the names of Object.prototype's members among them; a failure prints its seed.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { ExtractInput } from '../../dispute/extract.ts';
import { TOKENS, fill, problemsOf } from './helpers/hostile.ts';
import { extractInMemory, loadMirror } from './helpers/mirror.ts';

const mirror = loadMirror();
const WORDS = Object.getOwnPropertyNames(Object.prototype);
const token = fc.constantFrom(...TOKENS, ...WORDS.map((w) => `${w} `));
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.array(token, { maxLength: 150 }).map((xs) => xs.join('')),
);

describe('any triage event', () => {
  test.prop({ from: text, subject: text, body: text, reason_text: text, invoice_ref: fc.option(text) }, { numRuns: 300 })(
    'gives a normal extraction',
    ({ invoice_ref, reason_text, ...email }) => {
      expect(problemsOf(extractInMemory(mirror, { email, reason_text, invoice_ref }))).toEqual([]);
    },
  );

  test.prop({ reason_text: text, invoice_ref: fc.option(text) }, { numRuns: 200 })(
    'without an email, gives a normal extraction from its summary',
    ({ reason_text, invoice_ref }) => {
      expect(problemsOf(extractInMemory(mirror, { email: null, reason_text, invoice_ref }))).toEqual([]);
    },
  );
});

// CPU time of this process: the machine is shared, and waiting for a core is not reading.
const cpu = (input: ExtractInput): number => {
  const t = process.cpuUsage();
  extractInMemory(mirror, input);
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1000;
};
const fastest = (input: ExtractInput, runs = 3) => Math.min(...Array.from({ length: runs }, () => cpu(input)));

describe('a body of one drawn phrase repeated', () => {
  // Timing is only ever compared with itself (8x the text against 1x), never with a fixed figure; a failure
  // is reported as drawn, not shrunk, since shrinking would re-time hundreds of inputs.
  test.prop([fc.array(token, { minLength: 1, maxLength: 6 }).map((xs) => xs.join(''))], { numRuns: 8, endOnFailure: true })(
    'takes at most 20x the time for 8x the text',
    (unit) => {
      const input = (n: number): ExtractInput => ({ email: { from: 'ap@customer.example', subject: fill(unit, n / 100), body: fill(unit, n) }, reason_text: fill(unit, n / 10) || 'x' });
      cpu(input(20_000));
      const t1 = fastest(input(20_000));
      const t8 = fastest(input(160_000));
      expect(t8 / t1, `${JSON.stringify(unit)}: ${t1.toFixed(1)} ms, then ${t8.toFixed(1)} ms`).toBeLessThan(20);
    },
  );
});
