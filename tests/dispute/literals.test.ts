// The phrase rules skip a text that lacks every word a rule needs (dispute/reason/literals.ts). A skip must
// never hide a match: checked here for every rule against every labeled email and phrasing, and against
// patterns whose requirements are known by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { reasonText, readEmail } from '../../dispute/read/email.ts';
import { repairTypos } from '../../dispute/reason/lexicon.ts';
import { GramTable, gramsOfLiterals, mayMatch, mayMatchGrams, requiredLiterals, textGrams } from '../../dispute/reason/literals.ts';
import { RULES } from '../../dispute/reason/rules/index.ts';
import { PHRASINGS } from './phrasings.ts';
import { TRADE_CASES } from './trade-cases.ts';

describe('requiredLiterals', () => {
  it('finds the words a pattern cannot match without', () => {
    expect(requiredLiterals(String.raw`\b(damaged|broken) (box|crate)s?\b`)).toEqual(['damaged', 'broken']);
    expect(requiredLiterals(String.raw`\bshort[- ]?(shipped|delivery)\b`)).toEqual(['shipped', 'delivery']);
    expect(requiredLiterals(String.raw`\bbilled twice\b|\bduplicate (invoice|bill)\b`)).toEqual(['billed twice', 'duplicate ']);
    expect(requiredLiterals(String.raw`\b(price )?quote\b`)).toEqual(['quote']);
    expect(requiredLiterals(String.raw`colou?r`)).toEqual(['colo']);
    expect(requiredLiterals(String.raw`(?<=our )order \d+`)).toEqual(['order ']);
  });

  it('gives no requirement when a branch has none or the pattern is not understood', () => {
    expect(requiredLiterals(String.raw`\bdamage\b|\d+`)).toBeNull();
    expect(requiredLiterals(String.raw`(foo)?\d`)).toBeNull();
    expect(requiredLiterals(String.raw`[a-z]+`)).toBeNull();
    expect(requiredLiterals('(unclosed')).toBeNull();
    expect(requiredLiterals('*x')).toBeNull();
    expect(requiredLiterals(String.raw`\u0041bc`)).toEqual(['bc']);
  });

  it('never skips a text a rule matches: every rule against every labeled text', () => {
    const dir = join(import.meta.dirname, '../../data/emails');
    const texts: string[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim())) {
        const e = JSON.parse(line) as { from: string; subject: string; body: string };
        const r = reasonText(readEmail(e).parts);
        texts.push(r.subject, r.body, r.fallback ?? '');
      }
    }
    for (const p of PHRASINGS) texts.push(p.subject, p.body);
    for (const [, subject, body] of TRADE_CASES) texts.push(subject, body);
    const lowered = texts.map((t) => repairTypos(t).toLowerCase());
    const gramSets = lowered.map(textGrams);
    let checked = 0;
    let skipped = 0;
    for (const rule of Object.values(RULES).flat()) {
      const needs = requiredLiterals(rule.re.source);
      const re = new RegExp(rule.re.source, rule.re.flags.replace('i', ''));
      const grams = gramsOfLiterals(needs);
      for (const [k, t] of lowered.entries()) {
        checked++;
        const byGrams = mayMatchGrams(grams, gramSets[k]!);
        // The sequence test is looser than the literal test: it never skips what the literal test keeps.
        if (mayMatch(needs, t)) expect(byGrams).toBe(true);
        if (byGrams) continue;
        skipped++;
        expect(re.test(t), `${rule.re.source} skipped a text it matches: ${t.slice(0, 80)}`).toBe(false);
      }
    }
    // Most scans are skipped: the point of the filter.
    expect(skipped / checked).toBeGreaterThan(0.5);
  });
});

describe('three-character sequences', () => {
  // Any text, any characters (the sequences' numbers are shared past U+03FF): a literal cut from the text is
  // always found possible in it.
  fcTest.prop([fc.string({ unit: 'binary', minLength: 3, maxLength: 60 }), fc.nat(), fc.nat()])('never rule out a literal the text holds', (text, a, b) => {
    const start = a % (text.length - 2);
    const literal = text.slice(start, start + 3 + (b % (text.length - start - 2)));
    expect(mayMatchGrams(gramsOfLiterals([literal]), textGrams(text))).toBe(true);
  });

  // The table the rules' filter fills for each text in turn holds the same sequences as textGrams' Set, whatever
  // the text before it was (longer, shorter, or sharing none of them), and no other.
  const table = new GramTable();
  fcTest.prop([fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '€', ' ', '\u{1F600}'), maxLength: 300 }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(0x3fffffff), { maxLength: 20 })])(
    'are kept in a reused table exactly as in a Set',
    (texts, others) => {
      for (const text of texts) {
        const set = textGrams(text);
        table.fill(text);
        expect([...table.distinct.subarray(0, table.count)]).toEqual([...set]);
        for (const g of [...set, ...others]) expect(table.has(g)).toBe(set.has(g));
      }
    },
  );

  it('fill the table for a text of the longest length the rules read', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join('');
    const set = textGrams(text);
    table.fill(text);
    expect(table.count).toBe(set.size);
    expect([...set].every((g) => table.has(g))).toBe(true);
    table.fill('abc');
    expect(table.count).toBe(1);
    expect(table.has([...set][1]!)).toBe(false);
  });

  it('tell apart Latin sequences that differ in one character', () => {
    expect(mayMatchGrams(gramsOfLiterals(['credit']), textGrams('a credjt note'))).toBe(false);
    expect(mayMatchGrams(gramsOfLiterals(['crédit']), textGrams('a credit note'))).toBe(false);
  });
});
