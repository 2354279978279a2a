// The extraction's first look at the mirror (persistence/mirror/sender.ts): one statement for the sender's
// rows, what the email cites and every customer those point to, on the sample mirror.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customersByIds } from '../../persistence/mirror/customers.ts';
import { senderAndCited } from '../../persistence/mirror/sender.ts';
import { invoicesByReferences, latestInvoiceNumbers } from '../../persistence/mirror/transactions.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ mirror: true });
});
afterAll(() => db.drop());

const ids = (rows: { id?: unknown }[]) => rows.map((r) => r.id).sort();

describe('senderAndCited', () => {
  it('finds nothing, in one statement, for empty lists', async () => {
    expect(await senderAndCited(db.sql, { emails: [], invoice_keys: [], payment_refs: [], po_numbers: [], amounts: [] })).toEqual({
      contacts: [],
      customers_by_email: [],
      invoices: [],
      payments: [],
      customers: [],
      per_customer: [],
    });
  });

  it("gives the sender's contact, the cited invoice and payment, and the row of every customer they point to", async () => {
    const found = await senderAndCited(db.sql, {
      emails: ['james.okafor@bluewatermarine.example'],
      invoice_keys: ['4101'], // INV-004101 is customer 1001's
      payment_refs: ['ach-196047'], // compared upper case: 1001's payment ACH-196047
      po_numbers: [],
      amounts: [],
    });
    expect(found.contacts).toEqual([{ id: '5003', customer_id: '1002', name: 'James Okafor', email: 'james.okafor@bluewatermarine.example' }]);
    expect(found.customers_by_email).toEqual([]);
    expect(found.invoices.map((i) => [i.tranid, i.entity, i.foreigntotal])).toEqual([['INV-004101', '1001', '6861.81']]);
    expect(found.payments.map((p) => [p.reference, p.customer_id, p.amount, p.payment_date])).toEqual([['ACH-196047', '1001', '6861.81', '2026-04-26']]);
    // The same rows, columns and text casts as reading the customers by id.
    expect(ids(found.customers)).toEqual(['1001', '1002']);
    const byId = await customersByIds(db.sql, [1001, 1002]);
    expect([...found.customers].sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(
      [...byId].sort((a, b) => String(a.id).localeCompare(String(b.id))),
    );
  });

  it('reads the invoice number by its digits, as the index on them does', async () => {
    const found = await senderAndCited(db.sql, { emails: [], invoice_keys: ['4143'], payment_refs: [], po_numbers: [], amounts: [] });
    expect(found.invoices.map((i) => i.tranid)).toEqual(['INV-004143']);
    expect(ids(found.customers)).toEqual(['1002']);
  });

  it("reads for each customer its rows point to what the extraction reads once it has chosen that customer", async () => {
    const found = await senderAndCited(db.sql, {
      emails: ['james.okafor@bluewatermarine.example'], // customer 1002's contact
      invoice_keys: [],
      payment_refs: ['ach-196047'], // customer 1001's payment, applied to INV-004101
      po_numbers: ['PO-67784'],
      amounts: [],
    });
    expect(found.per_customer.map((c) => c.customer_id).sort()).toEqual(['1001', '1002']);
    for (const c of found.per_customer) {
      const id = Number(c.customer_id);
      const applied = found.payments.filter((p) => p.customer_id === c.customer_id && p.applied_to).map((p) => String(p.applied_to));
      // the same rows, in the same order, as the two queries made one by one
      expect(c.recent_tranids).toEqual((await latestInvoiceNumbers(db.sql, id)).map((r) => r.tranid));
      expect(c.by_reference).toEqual(await invoicesByReferences(db.sql, id, { po_numbers: ['PO-67784'], tranids: applied, amounts: [] }));
      expect(c.recent_tranids).toHaveLength(5);
    }
    expect(found.per_customer.find((c) => c.customer_id === '1001')!.by_reference!.map((i) => i.tranid)).toContain('INV-004101');
    // with no PO, no total and no payment of its own, a customer's invoices by reference are not read
    const plain = await senderAndCited(db.sql, { emails: ['james.okafor@bluewatermarine.example'], invoice_keys: [], payment_refs: [], po_numbers: [], amounts: [] });
    expect(plain.per_customer).toEqual([{ customer_id: '1002', recent_tranids: expect.any(Array), by_reference: null }]);
  });
});
