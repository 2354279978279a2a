// Trade and idiom wording for each reason, written after heldout-3 as a second probe of the rules
// (23 of 30 were right before the mechanisms they exercise were added). They guard the mechanisms, not
// sentences: early-payment terms as a discount, accessorials as freight, seats never provisioned as a
// service not rendered, a claim winning over its premise, non-native tenses, idioms for "paid".
import { describe, expect, it } from 'vitest';
import { classifyReason } from '../../dispute/reason/classify.ts';

const CASES: [string, string, string][] = [
  ['PRC', 'inv 4471', 'Your invoice has the hex bolts at $0.42/ea. The blanket agreement we signed in March says $0.36/ea. Please fix.'],
  ['PRC', 'Contract tier', 'We are on the Premier contract tier for the surgical drapes but were billed the non-contract rate on this invoice.'],
  ['DSC', 'Missing allowance', 'The 3% growth incentive for hitting our annual target is nowhere on invoice 4512. Please credit it.'],
  ['DSC', 'terms', 'We remitted on day 9 under your 1%/10 net 30 terms and short-paid by the 1%. Your statement now shows that as an open balance.'],
  ['QTY', 'INV-004220', 'Invoiced 30 drums, the carrier only unloaded 27. Driver signed the BOL with the exception noted.'],
  ['QTY', 'case count', 'Case count on 4433 is off, we scanned in 96 cases not 120.'],
  ['DMG', 'INV-004552', 'Half the eggs were broken when we opened the cases, the pallet was clearly dropped. Claim pics attached.'],
  ['DMG', 'temp', 'Product arrived out of temperature, probe read 48F, the whole lot was rejected by our QA and dumped.'],
  ['WRG', 'order mixup', 'We asked for the 20 amp breakers and the box has 15 amp ones. Please send the right ones and pick these up.'],
  ['NRC', 'where is it', 'Invoice 4411 is for a delivery that never made it to our warehouse, the carrier says the freight is lost.'],
  ['NRC', 'refused', 'Our receiver refused the load at the gate because it was the wrong day, nothing was unloaded. We owe nothing on 4455.'],
  ['SNR', 'training', 'You billed 2 days of onsite training for our staff but the trainer cancelled both days and never rescheduled.'],
  ['SNR', 'subscription', 'We are being billed for 40 user licenses but only 12 were ever assigned; the rest sat unused because your team never finished the rollout.'],
  ['DUP', 'INV-004321 and INV-004330', 'These two invoices are for the identical shipment on PO-5521. One of them should be cancelled.'],
  ['DUP', 'double', 'looks like we got hit twice for the same delivery, 4411 and 4418'],
  ['PAID', 'paid', 'Check 10442 for the full amount cleared our bank on Oct 3. Please apply it to invoice 4470.'],
  ['PAID', 'already settled', 'this was taken care of last month via our payment portal, confirmation attached'],
  ['CRN', 'credit', 'We sent back the 12 defective pumps in September under RA 3321. The credit never hit our account.'],
  ['CRN', 'refused at dock', 'The pallets were rejected at the dock and went back on the truck. Your rep promised a credit memo, still waiting on it.'],
  ['TAX', 'exempt', 'We are a public school district and should not be charged sales tax; certificate attached.'],
  ['TAX', 'rate', 'You charged the Chicago city rate but the goods shipped to our Indiana plant.'],
  ['TRM', 'late charge', 'There is a past-due penalty of $45 on 4488. We paid within the 30 days.'],
  ['TRM', 'terms', 'Our terms are net 45, your invoice says net 15. Please update.'],
  ['PO', 'po', 'Invoice needs our PO number on it or our system rejects it. PO is 77120.'],
  ['PO', 'entity', 'Please bill Acme Fabrication Holdings, not Acme Fabrication, going forward and reissue 4411.'],
  ['FRT', 'freight', 'We picked this up at your dock with our own truck, why is there a delivery charge of $125?'],
  ['FRT', 'fuel', 'Fuel and detention charges on 4509 were never part of our quote. Please remove.'],
  ['NOI', 'copy', 'We cannot locate invoice 4471 in our system. Could you resend it to ap@ please?'],
  ['NOI', 'statement', 'Hi, your statement lists 4467 but we never saw that invoice. pls send'],
  ['OTH', 'question', 'Can you call me about 4471? There is something we need to go over.'],
];

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
