// The labeled sample through the pure pipeline, with the mirror read from the CSVs (no database).
// extract.db.test.ts runs the same corpus through the real SQL step.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELDS, score } from '../../scripts/eval-emails.ts';
import { extractInMemory, loadCorpus, loadMirror } from './helpers/mirror.ts';

const mirror = loadMirror();
const corpus = loadCorpus();
const results = corpus.map((e) => ({ e, got: extractInMemory(mirror, { email: e, reason_text: '' }) }));

describe('labeled sample, pure resolver', () => {
  const s = score(results.map(({ e, got }) => ({ expected: e.expected, got: { ...got } })));
  const misses = (f: string) => s.misses.filter((m) => m.field === f);

  it('has 45 labeled emails', () => {
    expect(s.n).toBe(45);
  });

  it('gets invoice_ref and customer_id right on every email', () => {
    expect(misses('invoice_ref')).toEqual([]);
    expect(misses('customer_id')).toEqual([]);
  });

  it('gets the reason right on at least 95%', () => {
    expect(s.accuracy.reason_code).toBeGreaterThanOrEqual(0.95);
  });

  it('reports every field', () => {
    expect(Object.keys(s.accuracy)).toEqual([...FIELDS]);
  });

  it.each(results.map(({ e, got }, i) => [i, e.expected.invoice_ref, e, got] as const))('#%i %s: invoice_exists as labeled', (_i, _ref, e, got) => {
    expect(got.invoice_exists).toBe(e.expected.invoice_exists);
  });
});

describe('own labeled emails (written for these tests, other styles), pure resolver', () => {
  const own = loadCorpus(join(import.meta.dirname, 'fixtures/own-disputes.jsonl'));
  const s = score(own.map((e) => ({ expected: e.expected, got: { ...extractInMemory(mirror, { email: e, reason_text: '' }) } })));

  it('keeps every field right', () => {
    expect(s.misses).toEqual([]);
    expect(s.n).toBe(43);
  });
});
