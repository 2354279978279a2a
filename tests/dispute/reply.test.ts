import { describe, expect, it } from 'vitest';
import { draftReply, type ReplyInput } from '../../dispute/reply/draft.ts';
import type { Extraction, InvoiceRow, PaymentRow, ReasonCode } from '../../dispute/types.ts';
import { REASON_CODES } from '../../dispute/types.ts';

const invoice: InvoiceRow = {
  id: 20020, tranid: 'INV-004143', entity: 1002, trandate: '2026-11-06', duedate: '2026-12-06',
  foreigntotal: 3007.58, foreignamountpaid: 0, foreignamountunpaid: 3007.58, status: 'Open', otherrefnum: 'PO-67784',
};
const paidInvoice: InvoiceRow = { ...invoice, id: 20021, tranid: 'INV-004454', foreigntotal: 12182.51, foreignamountpaid: 12182.51, foreignamountunpaid: 0, status: 'Paid In Full' };
const prior: InvoiceRow[] = [
  { ...invoice, id: 1, tranid: 'INV-004120', trandate: '2026-10-01', foreigntotal: 3007.58, foreignamountunpaid: 0, foreignamountpaid: 3007.58 },
  { ...invoice, id: 2, tranid: 'INV-004101', trandate: '2026-09-01', foreigntotal: 500, foreignamountunpaid: 500, otherrefnum: null },
];
const payment: PaymentRow = { id: 70100, customer_id: 1002, payment_date: '2026-11-02', amount: 12182.51, method: 'ACH', reference: 'ACH-943358', applied_to: 'INV-004454' };

function input(code: ReasonCode, over: Partial<ReplyInput> = {}, x: Partial<Extraction> = {}): ReplyInput {
  return {
    customer: { id: 1002, companyname: 'Bluewater Marine' },
    contact_name: 'James Okafor',
    invoice,
    invoice_ref: invoice.tranid,
    extraction: { reason_code: code, secondary_reasons: [], disputed_amount: 172.8, payment_refs: [], po_number: null, ...x },
    recent_payments: [],
    prior_invoices: prior,
    today: '2026-11-20',
    ...over,
  };
}

describe('draftReply', () => {
  it('cites the invoice and amount, splits disputed from undisputed and asks for the undisputed part', () => {
    const r = draftReply(input('PRC'));
    expect(r.subject).toContain('INV-004143');
    expect(r.body).toContain('Hello James,');
    expect(r.body).toContain('for $3,007.58');
    expect(r.body).toContain('You dispute $172.80 of the $3,007.58 open');
    expect(r.body).toContain('The remaining $2,834.78 is not in dispute: please pay it by the due date, December 6, 2026');
  });

  it('says what happens next and by when, counting business days from today', () => {
    // Friday 2026-11-20 + 4 business days = Thursday 2026-11-26.
    expect(draftReply(input('PRC')).body).toContain('by Thursday, November 26, 2026');
    expect(draftReply(input('DUP')).body).toContain('by Tuesday, November 24, 2026');
  });

  it.each(REASON_CODES.map((c) => [c]))('asks %s for its own evidence', (code) => {
    const body = draftReply(input(code as ReasonCode)).body;
    const asks: Record<string, RegExp> = {
      PRC: /quote, contract or PO/, DSC: /discount, promotion or rebate agreement/, QTY: /packing slip/, DMG: /photos of the damage/,
      WRG: /SKU/, NRC: /delivery address/, SNR: /service dates/, DUP: /both invoice numbers/, PAID: /remittance advice/,
      CRN: /credit memo or RMA number/, TAX: /exemption or resale certificate/, TRM: /payment terms you agreed/, PO: /PO number and bill-to/,
      FRT: /freight agreement/, NOI: /address where invoices should be sent/, OTH: /which invoice lines or amounts/,
    };
    expect(body).toMatch(asks[code]!);
    for (const [other, re] of Object.entries(asks)) if (other !== code) expect(body, other).not.toMatch(re);
  });

  it('asks for no payment when the whole open amount is disputed', () => {
    const body = draftReply(input('NRC', {}, { disputed_amount: 3007.58 })).body;
    expect(body).toContain('You dispute the full open amount of $3,007.58, so no payment is requested');
  });

  it('asks for the amount when the customer did not state one', () => {
    expect(draftReply(input('DMG', {}, { disputed_amount: null })).body).toContain('Please let us know the amount you dispute');
  });

  it('matches the payment of an already-paid claim by reference and then asks for no remittance', () => {
    const body = draftReply(input('PAID', { invoice: paidInvoice, invoice_ref: paidInvoice.tranid, recent_payments: [payment] }, { disputed_amount: 12182.51, payment_refs: ['ACH-943358'] })).body;
    expect(body).toContain('We found your ACH payment ACH-943358 of $12,182.51, received November 2, 2026. It is applied to INV-004454');
    expect(body).not.toContain('remittance advice');
    expect(body).toContain('What happens next: We are confirming that your account shows this invoice as settled.');
    expect(body).not.toContain('tracing the payment');
  });

  it('matches the payment by amount when no reference is given, and still asks for remittance', () => {
    const body = draftReply(input('PAID', { invoice: paidInvoice, invoice_ref: paidInvoice.tranid, recent_payments: [{ ...payment, applied_to: 'INV-009999' }] }, { disputed_amount: 12182.51 })).body;
    expect(body).toContain('matches the amount of $12,182.51');
    expect(body).toContain('applied to INV-009999, not to INV-004454');
    expect(body).toContain('remittance advice');
    expect(body).toContain('What happens next: We are reviewing how your payment was applied (to INV-009999).');
  });

  it('says when no payment was found', () => {
    const body = draftReply(input('PAID', {}, { payment_refs: ['CHK-1234'] })).body;
    expect(body).toContain('not yet found a payment with the reference CHK-1234');
    expect(body).toContain('What happens next: We are tracing the payment in our cash receipts.');
  });

  it.each([['DUP'], ['PAID'], ['CRN']])('lists prior invoices for %s, marking look-alikes', (code) => {
    const body = draftReply(input(code as ReasonCode)).body;
    expect(body).toContain('your other recent invoices');
    expect(body).toMatch(/INV-004120, October 1, 2026, \$3,007\.58, paid, PO-67784 \(same amount, same PO\)/);
  });

  it('does not list prior invoices for other reasons', () => {
    expect(draftReply(input('PRC')).body).not.toContain('other recent invoices');
  });

  it('says so when the cited invoice is not in the mirror', () => {
    const body = draftReply(input('PRC', { invoice: null, invoice_ref: 'INV-004443' })).body;
    expect(body).toContain('We could not find invoice INV-004443 in our records for Bluewater Marine');
  });

  it('keeps a PO request free of financial change and acknowledges the PO given', () => {
    const body = draftReply(input('PO', {}, { disputed_amount: null, po_number: 'PO-58214' })).body;
    expect(body).toContain('does not change the amount due');
    expect(body).toContain('PO-58214');
  });

  it('greets a shared mailbox by company and mentions secondary reasons', () => {
    const body = draftReply(input('PRC', { contact_name: 'Accounts Payable' }, { secondary_reasons: ['FRT'] })).body;
    expect(body).toContain('Hello Bluewater Marine team,');
    expect(body).toContain('You also raise: freight charge.');
  });

  it('is deterministic: no clock inside', () => {
    expect(draftReply(input('QTY'))).toEqual(draftReply(input('QTY')));
  });
});
