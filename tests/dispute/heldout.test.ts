// Held-out corpora written apart from the rules (64 + 16 + 48 + 48 + 48 + 48 + 32 emails, every reason code, varied styles:
// terse, rambling, forwarded, non-native, typos, decimal commas; heldout-3 adds AP templates, phone
// one-liners, angry escalations and trade wording from food, logistics, construction, healthcare and
// SaaS), run through the real SQL step against
// the sample mirror. They guard the generalization targets: invoice_ref and customer_id on every email,
// reason_code on at least 95%.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, readCorpus } from '../../scripts/eval-emails.ts';
import { familyHits } from '../../dispute/reason/families.ts';
import { repairTypos, stem } from '../../dispute/reason/lexicon.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ mirror: true });
});
afterAll(async () => {
  await db?.drop();
});

// heldout-4 was measured untouched at 0.917 (rules + learned fallback); it has since joined the training data
// of the reason model and its misses were fixed in the rules, so it is held to the 95% target like the others.
// heldout-5 (48 emails, 3 per code, written before any code or other corpus was read; weighted toward
// NOI/PO/NRC, TRM/PO and CRN/OTH) is the corpus the reason model never trains on. Measured untouched at
// 0.813 (39/48); 0.979 (47/48) after general vocabulary fixes. It has since joined the training data.
// heldout-6 (48 emails, 3 per code, written before any code or other corpus was read; amount and PO traps)
// is now the corpus the reason model never trains on. Measured untouched at 0.875 (42/48) on reason_code;
// 1.0 after general rule additions (volume tiers, "only 3 of the 5", "order calls for", overdue service
// charges, "never reached us"). It has since joined the training data.
// heldout-7 (32 emails, 2 per code, written before any code or other corpus was read; many industries,
// one-liners, long quoted threads, mixed reasons, non-native English, decimal commas) is now the corpus the
// reason model never trains on. Measured untouched at 1.0 on reason_code (the rules alone decided every
// email), 0.938 on disputed_amount; its floor is that measure, a regression guard, not a claim about unseen mail.
describe.each([
  ['heldout-disputes.jsonl', 64, 0.95],
  ['heldout-2.jsonl', 16, 0.95],
  ['heldout-3.jsonl', 48, 0.95],
  ['heldout-4.jsonl', 48, 0.95],
  ['heldout-5.jsonl', 48, 0.97],
  ['heldout-6.jsonl', 48, 1.0],
  ['heldout-7.jsonl', 32, 1.0],
])('held-out corpus %s against the mirror', (file, n, minReason) => {
  it('meets the targets', async () => {
    const s = await evaluate(db.sql, readCorpus(join(FIXTURES, file)));
    expect(s.n).toBe(n);
    expect(s.misses.filter((m) => m.field === 'invoice_ref' || m.field === 'customer_id')).toEqual([]);
    expect(s.accuracy.reason_code).toBeGreaterThanOrEqual(minReason);
  });
});

describe('word-level tolerance', () => {
  it('stems tenses, plurals and irregular forms onto one form', () => {
    expect(stem('arrived')).toBe(stem('arrive'));
    expect(stem('got')).toBe(stem('get'));
    expect(stem('came')).toBe(stem('come'));
    expect(stem('boxes')).toBe(stem('box'));
  });

  it('repairs misspelled domain words and bare contractions, and leaves inflections and other words alone', () => {
    expect(repairTypos('We recieved the invocie, it hasnt arrived')).toBe("We received the invoice, it hasn't arrived");
    expect(repairTypos('receives credits skipped changed')).toBe('receives credits skipped changed');
  });

  it('matches a phrase family whatever the words, and not when negated or blocked', () => {
    const codes = (t: string) => familyHits(t).map((h) => h.code);
    expect(codes('we never got the stuff')).toContain('NRC');
    expect(codes('the material has not arrive')).toContain('NRC');
    expect(codes('your tech never showed up')).toContain('SNR');
    expect(codes('we already wired it on the 3rd')).toContain('PAID');
    expect(codes('we have not wired it yet')).not.toContain('PAID');
    expect(codes('we did not receive the invoice for the goods')).not.toContain('NRC');
  });
});
