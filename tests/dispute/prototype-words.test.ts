// Hostile input (issue 8, item 2): customers' words are looked up in dictionaries (the stemmer's irregular
// forms, the learned model's terms, payment methods). A word that names a member of Object.prototype must
// read as any other word: "constructor" made the stemmer throw, so the extraction step failed on every
// delivery of such an email.
import { describe, expect, it } from 'vitest';
import type { ExtractInput } from '../../dispute/extract.ts';
import { readEmail } from '../../dispute/read/email.ts';
import { classifyReason } from '../../dispute/reason/classify.ts';
import { familyHits } from '../../dispute/reason/families.ts';
import { readText, stemOf } from '../../dispute/reason/nlp.ts';
import { repairTypos } from '../../dispute/reason/lexicon.ts';
import { loadModel, rankReasons, type ModelFile } from '../../dispute/reason/model.ts';
import { signals } from '../../dispute/reason/signals.ts';
import { logits, train } from '../../dispute/reason/softmax.ts';
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
    expect(stemOf(word.toLowerCase())).toBeTypeOf('string');
    expect(readText(said).clauses.flatMap((c) => c.tokens.map((t) => t.text)).join(' ')).toContain(word.replace(/_/g, '').toLowerCase());
    expect(repairTypos(said)).toContain(word);
    expect(familyHits(readText(said))).toEqual(expect.any(Array));
    expect(signals({ subject: word, body: said })).toEqual(expect.any(Array));
    expect(REASON_CODES).toContain(rankReasons(signals({ subject: word, body: said }))[0]!.code);
    expect(REASON_CODES).toContain(classifyReason({ subject: word, body: said }).code);
    const reading = readEmail({ from: `${word} <${word}@${word.toLowerCase()}.example>`, subject: word, body: said });
    expect(reading.invoices.map((c) => c.key)).toContain('4143');
  });

  it('keeps its own weights in a model trained on it, also after the model file round trip', () => {
    const dup = signals({ subject: word, body: `${word} was on the invoice` });
    const nrc = signals({ subject: 'late', body: 'nothing here' });
    const trained = train([1, 2, 3].flatMap(() => [{ features: dup, label: 0 }, { features: nrc, label: 1 }]), 2);
    // Every feature seen three times is kept, whatever the word made of it.
    expect(dup.filter((f) => !trained.weights.has(f))).toEqual([]);
    const z = logits(trained, dup);
    expect(z[0]).toBeGreaterThan(z[1]!);
    // Through JSON, as model.json is read: a feature named like an Object.prototype member is an own entry.
    const file = JSON.parse(JSON.stringify({ version: 't', classes: ['DUP', 'NRC'], temperature: 1, weights: Object.fromEntries([...trained.weights].map(([f, w]) => [f, [0, w[0], 1, w[1]]])) })) as ModelFile;
    expect(rankReasons(dup, loadModel(file))[0]!.code).toBe('DUP');
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
