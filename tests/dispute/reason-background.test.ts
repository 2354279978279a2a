// The misses of the blind measurement that opened issue 10, as kinds: a payment mentioned as background of
// another complaint (wrong goods, damage, a shortfall, duplicate billing, a price rise on a partly paid
// invoice), wrong goods against damage, a shortfall against pricing, a promised pricing credit, freight
// against pricing. Ten emails written for this test after the model was built (9 of 10 read right when
// written; never trained on). A floor, with the misses named: they guard the design (payment words are
// features the model weighs against the complaint, not a verdict), not each sentence.
import { describe, expect, it } from 'vitest';
import { classifyReason } from '../../dispute/reason/classify.ts';

const CASES: [string, string, string][] = [
  ['DMG', 'INV-4410', 'We paid the undamaged part of this invoice on Nov 2. The remaining 4 cartons arrived with crushed corners and the glass inside was broken, so we are holding $312.00.'],
  ['WRG', 'Order 7781', 'We already paid the deposit, but you sent 10mm bolts instead of the 12mm we ordered. Please arrange a swap.'],
  ['QTY', 'Invoice 4415 short', 'We were billed for 60 cases but only 48 came off the truck. We paid for 48.'],
  ['DUP', 'charged again', 'Invoice 4420 is the same delivery as 4417, which we paid in October. Please cancel 4420.'],
  ['PRC', '4431', 'Partial payment sent. The balance is on hold because the unit price went from 12.40 to 13.10 without notice.'],
  ['CRN', 'promised credit', 'Your rep Dana promised a pricing credit of $240 for the late delivery last month; it is not on this invoice.'],
  ['FRT', 'delivery charge', 'You added $180 for delivery but our agreement is free shipping on orders above $2,000.'],
  ['DMG', 'water damage', 'Half the sacks were soaked through when they arrived, the cement is unusable.'],
  ['WRG', 'not our order', 'These are the blue ones; we ordered grey. Can you pick them up?'],
  ['QTY', 'missing pieces', 'The invoice says 24 chairs; we counted 20 on delivery. Please adjust.'],
];

describe('a payment or a neighbouring reason in the background', () => {
  it('reads at least 7 of the 10 right', () => {
    const got = CASES.map(([code, subject, body]) => ({ code, subject, r: classifyReason({ subject, body }) }));
    const misses = got.filter((g) => g.r.code !== g.code).map((g) => `${g.code} read as ${g.r.code} (${JSON.stringify(g.r.candidates)}): ${g.subject}`);
    expect(misses.length, misses.join('\n')).toBeLessThanOrEqual(3);
    // When a miss is close, the right reason is the approver's second choice.
    for (const g of got.filter((x) => x.r.code !== x.code && x.r.confidence < 0.6)) expect(g.r.candidates.map((c) => c.code)).toContain(g.code);
  });
});
