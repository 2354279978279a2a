// The learned fallback of the reason classifier: a naive Bayes model trained by
// scripts/train-reason-model.ts and shipped as dispute/reason/model.json.
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyReason } from '../../dispute/reason/classify.ts';
import { features, predict, serializeModel, train, type ModelData } from '../../dispute/reason/learned.ts';
import { buildModelFile, MODEL_PATH, trainingCorpora } from '../../scripts/train-reason-model.ts';

const shipped = JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ModelData;

describe('learned reason model', () => {
  it('is what the training script produces, byte for byte (run npm run train:reasons when this fails)', () => {
    expect(buildModelFile()).toBe(readFileSync(MODEL_PATH, 'utf8'));
  });

  it('never trains on heldout-7, the held-out yardstick', () => {
    const names = trainingCorpora().map((c) => c.name);
    expect(names).not.toContain('heldout-7.jsonl');
    expect(names).toContain('heldout-6.jsonl');
    expect(names).toContain('heldout-4.jsonl');
    expect(names).toContain('heldout-5.jsonl');
  });

  it('trains the same model whatever the example order', () => {
    const examples = trainingCorpora().flatMap((c) => c.examples);
    expect(serializeModel(train([...examples].reverse()))).toBe(serializeModel(train(examples)));
  });

  it('stays small', () => {
    expect(statSync(MODEL_PATH).size).toBeLessThan(300_000);
  });

  // Its speed is measured by npm run bench (bench/readers.ts), never asserted here: a loaded CI machine is no clock.
  it('is deterministic', () => {
    const input = { subject: 'order 4471', body: 'The driver never turned up and nothing is at our dock yet.' };
    const a = predict(shipped, input);
    for (let i = 0; i < 20; i++) expect(predict(shipped, input)).toEqual(a);
  });

  it('reads stemmed unigrams and bigrams with number shapes', () => {
    const f = features({ subject: 'Charged twice', body: 'We were billed $120.00 twice, 10% more.' });
    expect(f).toContain('charg twic');
    expect(f).toContain('<money>');
    expect(f).toContain('<pct>');
    expect(f).not.toContain('we');
  });

  it.each([
    ['NRC', 'order 4471', 'The driver never turned up and nothing is at our dock yet.'],
    ['PAID', 'remittance', 'This was settled by wire on October 3, reference WIRE-1234. Please post it.'],
    ['NOI', 'copy please', 'We cannot find invoice 4471 anywhere in our files, could you email us a copy?'],
    ['DUP', 'same order', 'You invoiced the same delivery on 4411 and again on 4418.'],
  ])('reads %s from plain wording', (code, subject, body) => {
    expect(predict(shipped, { subject, body }).code).toBe(code);
  });
});

describe('blend with the rules', () => {
  it('keeps a confident rule decision', () => {
    const r = classifyReason({ subject: 'Duplicate invoice', body: 'Invoice 4418 duplicates invoice 4411, we were billed twice for the same order.' });
    expect(r.code).toBe('DUP');
    expect(r.evidence).not.toMatch(/learned fallback/);
  });

  it('fills in when the rules find nothing, with a low confidence the approver sees', () => {
    const r = classifyReason({ subject: 'order 4471', body: 'The driver never turned up and nothing is at our dock yet.' });
    expect(r.code).toBe('NRC');
    expect(r.evidence).toMatch(/^learned fallback/);
    expect(r.confidence).toBeLessThan(0.6);
  });

  it('leaves a message with no reason as OTH', () => {
    expect(classifyReason({ subject: 'Invoice 4420', body: 'Please call me about this invoice.' }).code).toBe('OTH');
  });
});
