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
});
