// Hostile input (issue 8, item 2): customers' words are looked up in dictionaries (the stemmer's irregular
// forms, the learned model's terms, payment methods). A word that names a member of Object.prototype must
// read as any other word: "constructor" made the stemmer throw, so the extraction step failed on every
// delivery of such an email.
import { describe, expect, it } from 'vitest';
import type { ExtractInput } from '../../dispute/extract.ts';
import { readEmail } from '../../dispute/read/email.ts';
import { classifyReason } from '../../dispute/reason/classify.ts';
import { familyHits } from '../../dispute/reason/families.ts';
import { features, predict, train, type ModelData } from '../../dispute/reason/learned.ts';
import { repairTypos, stem } from '../../dispute/reason/lexicon.ts';
import MODEL from '../../dispute/reason/model.json' with { type: 'json' };
import { REASON_CODES, type Extraction } from '../../dispute/types.ts';
import { extractInMemory, loadMirror } from './helpers/mirror.ts';

const mirror = loadMirror();
const WORDS = Object.getOwnPropertyNames(Object.prototype);

// A clear pricing dispute of customer 1002 (sample mirror), into which the words are put.
const BASE = {
  from: 'James Okafor <james.okafor@bluewatermarine.example>',
  subject: 'Pricing discrepancy on INV-004143',
  body: 'We received invoice INV-004143 for our PO-67784. The spools are billed at $118.90 but our contract price is $104.50. Please credit $172.80.',
};

function expectNormal(x: Extraction): void {
  expect(REASON_CODES).toContain(x.reason_code);
  expect(x.secondary_reasons.every((c) => REASON_CODES.includes(c))).toBe(true);
  expect(x.customer_id === null || Number.isInteger(x.customer_id)).toBe(true);
  expect(x.disputed_amount === null || Number.isFinite(x.disputed_amount)).toBe(true);
  for (const [field, c] of Object.entries(x.confidence)) expect(c, field).toBeGreaterThanOrEqual(0);
  for (const text of [...Object.values(x.evidence), ...x.warnings, ...x.payment_refs]) expect(text).toBeTypeOf('string');
}

it('tries every member of Object.prototype', () => {
  expect(WORDS).toEqual(expect.arrayContaining(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__']));
});

describe.each(WORDS)('the word %s', (word) => {
  const said = `The ${word} ${word.toLowerCase()} charge on INV-004143 is wrong (${word}).`;

  it('is an ordinary word to the pure readers', () => {
    expect(stem(word)).toBeTypeOf('string');
    expect(stem(word.toLowerCase())).toBeTypeOf('string');
    expect(repairTypos(said)).toContain(word);
    expect(familyHits(said)).toEqual(expect.any(Array));
    expect(features({ subject: word, body: said })).toEqual(expect.any(Array));
    expect(REASON_CODES).toContain(predict(MODEL as ModelData, { subject: word, body: said }).code);
    expect(REASON_CODES).toContain(classifyReason({ subject: word, body: said }).code);
    const reading = readEmail({ from: `${word} <${word}@${word.toLowerCase()}.example>`, subject: word, body: said });
    expect(reading.invoices.map((c) => c.key)).toContain('4143');
  });

  it('keeps its own entry in a model trained on it', () => {
    const examples = [1, 2, 3].map(() => ({ subject: word, body: `${word} billed twice`, code: 'DUP' as const }));
    const model = train([...examples, { subject: 'late', body: 'never arrived', code: 'NRC' }, { subject: 'late', body: 'never arrived', code: 'NRC' }]);
    const own = features({ subject: word, body: '' }).filter((t) => Object.hasOwn(model.terms, t));
    expect(own.length).toBeGreaterThan(0);
    expect(predict(model, { subject: word, body: `${word} billed twice` }).code).toBe('DUP');
  });

  const places: [string, ExtractInput][] = [
    ['subject', { email: { ...BASE, subject: `${BASE.subject} ${word}` }, reason_text: 'pricing' }],
    ['body', { email: { ...BASE, body: `${BASE.body}\n\n${said}` }, reason_text: 'pricing' }],
    ['sender name', { email: { ...BASE, from: `${word} <james.okafor@bluewatermarine.example>` }, reason_text: 'pricing' }],
    ['sender address', { email: { ...BASE, from: `${word} <${word}@${word.toLowerCase()}.example>` }, reason_text: 'pricing' }],
    ['invoice_ref', { email: BASE, reason_text: 'pricing', invoice_ref: word }],
    ['reason_text', { email: { ...BASE, subject: 'INV-004143', body: 'Please look at INV-004143.' }, reason_text: said }],
    ['reason_text without an email', { email: null, reason_text: `${BASE.body} ${said}` }],
  ];
  it.each(places)('in the %s, gives a normal extraction', (place, input) => {
    const x = extractInMemory(mirror, input);
    expectNormal(x);
    if (place === 'invoice_ref') expect(x.invoice_ref).toBe(word);
    else expect(x.invoice_ref).toBe('INV-004143');
    if (place !== 'reason_text without an email') expect(x.customer_id).toBe(1002);
  });
});
