// The labeled sample through the pure pipeline, with the mirror read from the CSVs (no database).
// extract.db.test.ts runs the same corpus through the real SQL step.
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

  // Floors well below the measured figures (README): they catch breakage, not a changed word.
  it('stays above the floors on invoice_ref, customer_id and the reason', () => {
    expect(misses('invoice_ref').length).toBeLessThanOrEqual(4);
    expect(misses('customer_id').length).toBeLessThanOrEqual(4);
    expect(s.accuracy.reason_code).toBeGreaterThanOrEqual(0.85);
  });

  it('reports every field', () => {
    expect(Object.keys(s.accuracy)).toEqual([...FIELDS]);
  });

  it('says whether the invoice exists as labeled on at least 90%', () => {
    expect(results.filter(({ e, got }) => got.invoice_exists === e.expected.invoice_exists).length).toBeGreaterThanOrEqual(Math.ceil(0.9 * results.length));
  });
});
