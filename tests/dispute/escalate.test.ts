import { describe, expect, it } from 'vitest';
import { routeEscalation } from '../../dispute/escalate.ts';
import type { CustomerRow, InvoiceRow } from '../../dispute/types.ts';

const withRep: CustomerRow = {
  id: 1006, companyname: 'Falcon Logistics', email: 'ap@falconlogistics.example', salesrep_name: 'Luis Ortega',
  salesrep_email: 'luis.ortega@northwind-supply.example', terms: 'Net 30', creditlimit: 50000, creditholdoverride: 'AUTO',
};
const noRep: CustomerRow = { ...withRep, id: 1008, companyname: 'Harbor Lights Hotels', salesrep_name: null, salesrep_email: null };
const invoice: InvoiceRow = { id: 20070, tranid: 'INV-004228', entity: 1006, trandate: '2026-10-30', duedate: '2026-11-29', foreigntotal: 6975, foreignamountunpaid: 6975, otherrefnum: 'PO-40103' };

describe('routeEscalation', () => {
  it('goes to the sales rep with the reason\'s department', () => {
    const e = routeEscalation({ customer: withRep, reason_code: 'QTY', invoice, disputed_amount: 1162.5, evidence: 'only 150 rolls arrived' });
    expect(e.to).toEqual({ name: 'Luis Ortega', email: 'luis.ortega@northwind-supply.example' });
    expect(e.queue).toBe('sales_rep');
    expect(e.department).toBe('shipping');
    expect(e.subject).toBe('Dispute: Falcon Logistics INV-004228 - Short shipment / quantity (QTY)');
    expect(e.body).toContain('Hello Luis,');
    expect(e.body).toContain('Disputed amount: $1,162.50.');
    expect(e.body).toContain('Department: Shipping');
    expect(e.body).toContain('packing slip');
    expect(e.body).toContain('"only 150 rolls arrived"');
  });

  it('goes to the AR queue when the account has no rep', () => {
    const e = routeEscalation({ customer: noRep, reason_code: 'PRC', invoice_ref: 'INV-004274' });
    expect(e.to).toBeNull();
    expect(e.queue).toBe('ar');
    expect(e.department).toBe('sales_rep');
    expect(e.body).toContain('no sales rep on file');
  });

  it.each([['PRC', 'sales_rep'], ['DMG', 'shipping'], ['PAID', 'ar'], ['FRT', 'sales_rep'], ['NOI', 'ar']] as const)('tags %s with department %s', (code, dept) => {
    expect(routeEscalation({ customer: withRep, reason_code: code }).department).toBe(dept);
  });

  it('passes on the warnings the approver saw', () => {
    const e = routeEscalation({ customer: withRep, reason_code: 'OTH', warnings: ['low confidence in reason_code (0.50)'] });
    expect(e.body).toContain('- low confidence in reason_code (0.50)');
    expect(e.body).toContain('an invoice they did not identify');
  });

  it('writes the whole message: greeting, invoice facts, secondary reasons, the customer\'s words, the ask and the warnings', () => {
    const rep = { ...withRep, salesrep_name: '  Luis Ortega ', salesrep_email: 'luis@x.example' };
    const e = routeEscalation({
      customer: rep, reason_code: 'QTY', secondary_reasons: ['DMG', 'PRC'], invoice: { ...invoice, foreignamountunpaid: null },
      disputed_amount: 0, evidence: 'only 150 rolls', warnings: ['low confidence', 'two refs'],
    });
    expect(e.to).toEqual({ name: 'Luis Ortega', email: 'luis@x.example' });
    expect(e.body).toBe([
      'Hello Luis,',
      '',
      'Falcon Logistics (customer 1006) disputes invoice INV-004228.',
      'Reason: Short shipment / quantity (QTY); also DMG, PRC.',
      'Invoice: INV-004228, dated 2026-10-30, total $6,975.00, open $6,975.00, PO-40103.',
      'Disputed amount: $0.00.',
      'Customer\'s words: "only 150 rolls"',
      'Department: Shipping. Resolution to work toward: Check the packing slip and proof of delivery; credit the shortage or ship the balance.',
      'Please check the packing slip, proof of delivery and shipment records with the shipping team and tell AR what was shipped and delivered.',
      '',
      'Check first:',
      '- low confidence',
      '- two refs',
      '',
    ].join('\n'));
  });

  it('writes only what it knows for an unidentified invoice in the AR queue', () => {
    const e = routeEscalation({ customer: noRep, reason_code: 'PAID' });
    expect(e.subject).toBe('Dispute: Harbor Lights Hotels - Already paid (PAID)');
    expect(e.body).toBe([
      'AR queue,',
      '',
      'Harbor Lights Hotels (customer 1008) disputes an invoice they did not identify.',
      'Reason: Already paid (PAID).',
      'Department: Accounts Receivable. Resolution to work toward: Find the payment in customer_payments and apply it, or ask for remittance.',
      'AR owns the resolution; please share anything you know about this account that bears on it.',
      'This account has no sales rep on file in NetSuite, so it is routed to the AR queue.',
      '',
    ].join('\n'));
  });

  it('addresses a rep without a name by the email, and asks sales to confirm the terms', () => {
    const e = routeEscalation({ customer: { ...withRep, salesrep_name: '' }, reason_code: 'TRM', invoice_ref: 'INV-9' });
    expect(e.to).toEqual({ name: 'luis.ortega@northwind-supply.example', email: 'luis.ortega@northwind-supply.example' });
    expect(e.subject).toBe('Dispute: Falcon Logistics INV-9 - Terms or late fee (TRM)');
    expect(e.body).toContain('Hello luis.ortega@northwind-supply.example,\n');
    expect(e.body).toContain('\nDepartment: Sales (account manager). Resolution to work toward: Correct the terms and reverse the fee.\n'
      + 'Please confirm the commercial terms (price, discount, terms or freight agreement) for this account and tell AR what the customer is owed, if anything.\n');
    expect(e.body).not.toContain('Invoice:');
    const noPo = routeEscalation({ customer: withRep, reason_code: 'TRM', invoice: { ...invoice, otherrefnum: null } });
    expect(noPo.body).toContain('\nInvoice: INV-004228, dated 2026-10-30, total $6,975.00, open $6,975.00.\n');
    expect(e.body).not.toContain('Disputed amount');
    expect(e.body).not.toContain('Customer\'s words');
    expect(e.body).not.toContain('no sales rep');
    expect(routeEscalation({ customer: { ...withRep, salesrep_name: null }, reason_code: 'TRM' }).to!.name).toBe('luis.ortega@northwind-supply.example');
  });
});
