// Trade and idiom wording for each reason, written after heldout-3 as a second probe of the rules
// (23 of 30 were right before the mechanisms they exercise were added). They guard the mechanisms, not
// sentences: early-payment terms as a discount, accessorials as freight, seats never provisioned as a
// service not rendered, a claim winning over its premise, non-native tenses, idioms for "paid".
import { describe, expect, it } from 'vitest';
import { classifyReason } from '../../dispute/reason/classify.ts';
import { TRADE_CASES as CASES } from './trade-cases.ts';


describe('trade and idiom wording', () => {
  it.each(CASES)('%s: %s', (code, subject, body) => {
    expect(classifyReason({ subject, body }).code).toBe(code);
  });

  it('reads amounts named by a currency word or written with a decimal comma before the currency', async () => {
    const { findAmounts } = await import('../../dispute/read/amounts.ts');
    expect(findAmounts('so 192 bucks too much').map((a) => a.value)).toEqual([192]);
    expect(findAmounts('the 3 rolls, value 405,00 USD').map((a) => a.value)).toEqual([405]);
  });
});
