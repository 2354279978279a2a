// The disputed amount where its own words are bare: a remittance table's deduction column, a whole number
// they hold back, a price difference × quantity, a credit memo's amount, the open part of a paid invoice, an
// amount beside the invoice number that is not the invoice's, what the credit should be.
// Each case picks the wrong amount (or none) without the rule it guards.
import { describe, expect, it } from 'vitest';
import { findAmounts } from '../../dispute/read/amounts.ts';
import { pickDisputedAmount } from '../../dispute/resolve/amount.ts';
import type { ReasonCode } from '../../dispute/types.ts';

const pick = (body: string, reason: ReasonCode) =>
  pickDisputedAmount(findAmounts(body).map((a) => ({ ...a, source: 'body' as const })), reason, null).value;

describe('the disputed amount where its own words are bare', () => {
  it('takes the amount under a deduction column, whatever the column order', () => {
    const table = ['Invoice        Gross        Deducted     Net paid', 'INV-000123     5,000.00     250.00       4,750.00', '', 'Reason: rebate not credited.'].join('\n');
    expect(pick(table, 'DSC')).toBe(250);
    const swapped = ['Doc      Short paid    Amount      Paid', 'INV 77   99.10         1,099.10    1,000.00'].join('\n');
    expect(pick(swapped, 'QTY')).toBe(99.1);
    // Only rows with the header's cells, and no column when no header names the claim.
    const rows = ['Invoice    Amount     Paid', 'INV-1      900.00     600.00'].join('\n');
    expect(findAmounts(rows).every((a) => a.cue < 3)).toBe(true);
    const ragged = ['Invoice    Amount     Deduction    Paid', 'note: 40.00 was sent'].join('\n');
    expect(findAmounts(ragged).map((a) => a.cue)).toEqual([0]);
  });

  it('reads a bare whole number they hold back as money, but not a count of goods', () => {
    expect(pick('billed at 89/case, our PO says 74/case. 40 cases. holding 600 until corrected. rest goes out friday', 'PRC')).toBe(600);
    expect(findAmounts('we are holding 3 cases for pickup').map((a) => a.value)).toEqual([]);
    expect(findAmounts('we deducted 12 rolls from the count').map((a) => a.value)).toEqual([]);
  });

  it('derives price difference × quantity from two unit prices and one count of that unit', () => {
    expect(pick('Tabs billed @ $189/bucket, our PO-47841 has them at $164. 40 buckets. Pls fix.', 'PRC')).toBe(1000);
    const derived = findAmounts('Gloves invoiced at $12.50 per box; the contract price is $11.75. We took 120 boxes.').filter((a) => a.role === 'claim');
    expect(derived.map((a) => [a.value, a.raw])).toEqual([[90, '120 boxes']]);
    // Not when the count is ambiguous, or when the email already names the claim.
    expect(findAmounts('billed $20/case, quoted $18. 40 cases came, 10 cases broke.').filter((a) => a.role === 'claim')).toEqual([]);
    expect(pick('billed $20/case, quoted $18. 40 cases. Please credit $60.00.', 'PRC')).toBe(60);
  });

  it('takes the open part they name over the invoice total for an already-paid claim', () => {
    const body = 'INV-000777 (600.00) was paid in two parts: 300.00 by card on 2 Feb and 300.00 by wire on 9 March. Your statement shows the second half as open.';
    const amounts = findAmounts(body).map((a) => ({ ...a, source: 'body' as const }));
    const invoice = { foreigntotal: 600, foreignamountunpaid: 300 } as Parameters<typeof pickDisputedAmount>[2];
    expect(pickDisputedAmount(amounts, 'PAID', invoice).value).toBe(300);
    // Nothing open: the total stays the claim.
    expect(pickDisputedAmount(amounts, 'PAID', { ...invoice!, foreignamountunpaid: 0 }).value).toBe(600);
  });

  it('takes a credit document\'s own amount as the claim over the balance it should come off', () => {
    expect(pick('You sent us CM-000412 for $75.00 in May. It never came off INV-000900; the full $1,275.00 is still there.', 'CRN')).toBe(75);
    const remittance = ['Invoice INV-1      open balance   300.00', 'Less credit memo CM-000412 (bent frames)   -75.00', 'Amount paid today     225.00'].join('\n');
    expect(pick(remittance, 'CRN')).toBe(75);
  });

  it('reads an amount beside the invoice number as the claim when it is not the invoice\'s own', () => {
    const invoice = { foreigntotal: 3253.34, foreignamountunpaid: 3253.34 } as Parameters<typeof pickDisputedAmount>[2];
    const withInvoice = (body: string) => pickDisputedAmount(findAmounts(body).map((a) => ({ ...a, source: 'body' as const })), 'DSC', invoice).value;
    expect(withInvoice('Our 10% contractor discount is missing from invoice #004856 - 325.33. Please credit.')).toBe(325.33);
    // The invoice's own total beside its number is still only the invoice.
    expect(withInvoice('Our contractor discount is missing from invoice #004856 - 3,253.34. Please fix.')).toBe(null);
  });

  it('reads what the credit should be as the credit asked for, and a price that should be as a corrected figure', () => {
    expect(pick('Six racks went back on 10/30 under RMA 2290. Haven\'t seen the credit yet - it should be $540.00.', 'CRN')).toBe(540);
    expect(findAmounts('the price should be $12.00 a box').map((a) => a.role)).toEqual(['unit']);
    expect(findAmounts('the total should be $120.00 on this one').map((a) => a.role)).toEqual(['payable']);
  });
});
