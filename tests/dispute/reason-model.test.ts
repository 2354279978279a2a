// The learned reason model: softmax regression over the features of signals.ts, calibrated by temperature
// scaling, trained by scripts/train-reason-model.ts into dispute/reason/model.json. That the shipped file
// is exactly what the script trains is checked by `npm run train:reasons -- --check` in .ci/run (it trains
// a dozen models: too slow for a unit test).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyReason } from '../../dispute/reason/classify.ts';
import { MODEL_VERSION, type ModelFile } from '../../dispute/reason/model.ts';
import { readClauses } from '../../dispute/reason/nlp.ts';
import { signals } from '../../dispute/reason/signals.ts';
import { calibrationTable, equalCountTable, fitTemperature, logits, probabilities, train, wilson } from '../../dispute/reason/softmax.ts';
import { buildModel, calibrationReport, exampleOf, isExcluded, MODEL_PATH } from '../../scripts/train-reason-model.ts';

const shipped = JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ModelFile;

describe('the shipped model', () => {
  it('carries a version that is the hash of its weights, and classifyReason reports it', () => {
    const hash = createHash('sha256').update(JSON.stringify([shipped.temperature, shipped.weights])).digest('hex').slice(0, 12);
    expect(shipped.version).toBe(`lr-${hash}`);
    expect(MODEL_VERSION).toBe(shipped.version);
    expect(classifyReason({ subject: 'Duplicate invoice', body: 'You billed us twice for the same delivery.' }).model).toBe(shipped.version);
  });

  it('was never trained on the held-out set (nor on a blind set), and was trained on every other corpus of data/emails', () => {
    const names = Object.keys(shipped.trained_on.corpora);
    expect(names).not.toContain('heldout.jsonl');
    expect(names.filter((n) => /^blind/i.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['sample.jsonl', 'own.jsonl', 'fresh-1.jsonl', 'fresh-6.jsonl', 'fresh-7.jsonl', 'phrasings.ts']));
  });

  it('skips the held-out set and any blind set by name, and nothing else', () => {
    for (const f of ['heldout.jsonl', 'blind.jsonl', 'blind-2.jsonl', 'blind2.jsonl']) expect(isExcluded(f)).toBe(true);
    for (const f of ['fresh-7.jsonl', 'sample.jsonl', 'own.jsonl', 'fresh-1.jsonl']) expect(isExcluded(f)).toBe(false);
  });

  it('records its cross-validated calibration, bucket by bucket, over every training example', () => {
    const rows = shipped.cross_validation.calibration;
    expect(rows.reduce((a, r) => a + r.count, 0)).toBe(shipped.trained_on.examples);
    // A floor far below the measured figure: it catches a broken model, not a worded sentence.
    expect(shipped.cross_validation.accuracy).toBeGreaterThan(0.7);
    expect(shipped.temperature).toBeGreaterThan(0);
  });
});

describe('reading with the model', () => {
  it('gives the top two reasons with calibrated probabilities, the first being the chosen code', () => {
    const r = classifyReason({ subject: 'Invoice 4418', body: 'Two of the six pallets arrived crushed and the drums inside are leaking.' });
    expect(r.candidates).toHaveLength(2);
    expect(r.candidates[0]!.code).toBe(r.code);
    expect(r.candidates[0]!.p).toBe(r.confidence);
    expect(r.candidates[0]!.p).toBeGreaterThanOrEqual(r.candidates[1]!.p);
    expect(r.candidates[0]!.p + r.candidates[1]!.p).toBeLessThanOrEqual(1.01);
    expect(r.code).toBe('DMG');
  });

  it('is deterministic', () => {
    const input = { subject: 'order 4471', body: 'The driver never turned up and nothing is at our dock yet.' };
    const a = classifyReason(input);
    for (let i = 0; i < 5; i++) expect(classifyReason(input)).toEqual(a);
  });

  it('explains itself with the words when no rule spoke', () => {
    const r = classifyReason({ subject: 'hm', body: 'zzz qqq' });
    expect(r.evidence.length).toBeGreaterThan(0);
  });
});

describe('the NLP pass and its features', () => {
  it('splits sentences and clauses, and marks negated and quoted words', () => {
    const clauses = readClauses('We have not received the pallets, but the invoice says "paid in full". The driver came.');
    expect(clauses.map((c) => c.sentence)).toEqual([0, 0, 1]);
    const receive = clauses[0]!.tokens.find((t) => t.lemma === 'receive')!;
    expect(receive.negated).toBe(true);
    const paid = clauses[1]!.tokens.find((t) => t.text === 'paid')!;
    expect(paid.quoted).toBe(true);
    expect(clauses[2]!.tokens.find((t) => t.text === 'came')!.lemma).toBe('come');
  });

  it('turns concepts, their negation and their pairs into features, and the rules into named features', () => {
    const f = signals({ subject: 'Crushed pallets', body: 'The pallets arrived crushed. We did not pay the freight.', rules: ['r:DMG:0'] });
    expect(f).toContain('r:DMG:0');
    expect(f).toContain('c:DAMAGE');
    expect(f).toContain('cc:DAMAGE+GOODS');
    expect(f).toContain('c:~PAYMENT');
    expect(f).toContain('s:pallet');
    expect(f).toEqual([...f].sort());
  });
});

describe('training', () => {
  const toy = () => [
    exampleOf('DUP', { from: '', subject: 'billed twice', body: 'You invoiced the same delivery twice.' }),
    exampleOf('DUP', { from: '', subject: 'duplicate', body: 'This invoice duplicates the one from last week.' }),
    exampleOf('NRC', { from: '', subject: 'missing order', body: 'The order never arrived at our dock.' }),
    exampleOf('NRC', { from: '', subject: 'not delivered', body: 'Nothing was delivered, the truck never came.' }),
  ];

  it('gives the same weights whatever the order of the examples', () => {
    const a = train(toy(), 16, { steps: 50 });
    const b = train([...toy()].reverse(), 16, { steps: 50 });
    expect([...b.weights.keys()]).toEqual([...a.weights.keys()]);
    for (const [f, w] of a.weights) expect([...b.weights.get(f)!]).toEqual([...w]);
  });

  it('learns what its examples say', () => {
    const m = train(toy(), 16, { steps: 100 });
    const z = logits(m, exampleOf('DUP', { from: '', subject: 'duplicate', body: 'billed twice for the same delivery' }).features);
    const nrc = exampleOf('NRC', { from: '', subject: 'order', body: 'never arrived' }).label;
    const dup = exampleOf('DUP', { from: '', subject: '', body: '' }).label;
    expect(z[dup]!).toBeGreaterThan(z[nrc]!);
  });

  it('counts a feature once, however often and in whatever order the list names it', () => {
    const m = { classes: 2, weights: new Map([['a', Float64Array.of(1, 0)], ['b', Float64Array.of(0, 2)], ['c', Float64Array.of(0.5, 0.5)]]) };
    expect(logits(m, ['a', 'b', 'c'])).toEqual([1.5, 2.5]);
    expect(logits(m, ['a', 'b', 'b', 'c'])).toEqual([1.5, 2.5]);
    expect(logits(m, ['c', 'a', 'b', 'a', 'c'])).toEqual([1.5, 2.5]);
    expect(logits(m, ['a', 'z', 'b'])).toEqual([1, 2]);
  });

  it('builds a model file with a version and a calibration table, leaving each corpus out in turn', () => {
    const { model } = buildModel([{ name: 'a', examples: toy().slice(0, 2).concat(toy().slice(2, 3)) }, { name: 'b', examples: toy().slice(1) }], { steps: 20 });
    expect(model.version).toMatch(/^lr-[0-9a-f]{12}$/);
    expect(model.trained_on).toEqual({ examples: 6, corpora: { a: 3, b: 3 } });
    expect(model.cross_validation.calibration.reduce((a, r) => a + r.count, 0)).toBe(6);
  });
});

describe('calibration', () => {
  // A small deterministic generator: scores whose labels are drawn from softmax(z / 2) are honest at T = 2.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const scored = Array.from({ length: 3000 }, () => {
    const z = [rand() * 8, rand() * 8, rand() * 8];
    const p = probabilities(z, 2);
    const u = rand();
    const label = u < p[0]! ? 0 : u < p[0]! + p[1]! ? 1 : 2;
    return { z, label };
  });

  it('finds the temperature that makes the scores honest', () => {
    expect(fitTemperature(scored)).toBeGreaterThan(1.7);
    expect(fitTemperature(scored)).toBeLessThan(2.3);
  });

  it('buckets predictions by confidence with their accuracy', () => {
    const rows = calibrationTable([
      { confidence: 0.95, correct: true },
      { confidence: 0.92, correct: false },
      { confidence: 0.55, correct: true },
      { confidence: 1, correct: true },
    ]);
    const top = rows.at(-1)!;
    expect(top).toMatchObject({ from: 0.9, to: 1, count: 3 });
    expect(top.accuracy).toBeCloseTo(2 / 3);
    expect(top.mean_confidence).toBeCloseTo((0.95 + 0.92 + 1) / 3);
    expect(rows.find((r) => r.from === 0.5)!.count).toBe(1);
  });

  it('splits predictions into buckets of equal count, lowest confidence first', () => {
    const preds = [0.3, 0.95, 0.5, 0.99, 0.7, 0.9, 0.8, 0.6].map((confidence, i) => ({ confidence, correct: i % 2 === 0 }));
    const rows = equalCountTable(preds, 4);
    expect(rows.map((r) => r.count)).toEqual([2, 2, 2, 2]);
    expect(rows.map((r) => [r.from, r.to])).toEqual([[0.3, 0.5], [0.6, 0.7], [0.8, 0.9], [0.95, 0.99]]);
    expect(rows[0]!.accuracy).toBe(1); // 0.3 and 0.5 were right
    expect(equalCountTable(preds.slice(0, 3), 4).map((r) => r.count)).toEqual([1, 1, 1]);
  });

  it('gives the Wilson interval of a bucket: wide on a few emails, narrow on many', () => {
    const few = wilson(5, 5);
    expect(few.high).toBe(1);
    expect(few.low).toBeGreaterThan(0.5);
    expect(few.low).toBeLessThan(0.6); // 5 of 5 right says only "above about 57 %"
    const many = wilson(450, 500);
    expect(many.low).toBeGreaterThan(0.87);
    expect(many.high).toBeLessThan(0.93);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('reports a small set honestly: counts, intervals, whether each bucket is consistent, and the ECE', () => {
    const preds = [...Array.from({ length: 6 }, () => ({ confidence: 0.95, correct: true })), { confidence: 0.55, correct: false }, { confidence: 0.65, correct: true }];
    const text = calibrationReport(preds, 2);
    expect(text).toMatch(/0\.90–1\.00\s+6\s+95\.0%\s+100\.0%\s+61\.0%–100\.0%\s+5\.0\s+yes/);
    expect(text).toMatch(/in 2 buckets of equal count/);
    expect(text).toMatch(/expected calibration error \d+\.\d points over 8 predictions/);
  });

  it('fits the temperature on leave-one-corpus-out predictions only: each held-out corpus is scored by a model that never saw it', () => {
    // Two corpora that contradict each other: left out in turn, each is read wrong, so the cross-validated
    // predictions are all wrong even though the final model (trained on both) fits them.
    const a = [exampleOf('DUP', { from: '', subject: 'zork', body: 'zork zork' }), exampleOf('DUP', { from: '', subject: 'zork', body: 'zork' })];
    const b = [exampleOf('NRC', { from: '', subject: 'zork', body: 'zork zork' }), exampleOf('NRC', { from: '', subject: 'zork', body: 'zork' })];
    const { cv, model } = buildModel([{ name: 'a', examples: a }, { name: 'b', examples: b }], { steps: 50 });
    expect(cv).toHaveLength(4);
    expect(cv.every((p) => !p.correct)).toBe(true);
    expect(model.cross_validation.accuracy).toBe(0);
  });
});
