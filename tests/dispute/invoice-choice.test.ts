// Issue 10, item 4: in quoted chains, forwarded reminders and remittance advices that list several invoices,
// the disputed invoice is the one the new text disputes, not one it acknowledges, pays or only mentions.
// Read through the pure pipeline against the sample mirror (customer 1002 has INV-004131 … INV-004134).
import { describe, expect, it } from 'vitest';
import { extractInMemory, loadMirror } from './helpers/mirror.ts';

const mirror = loadMirror();
const FROM = 'James Okafor <james.okafor@bluewatermarine.example>';
const readFrom = (from: string, subject: string, body: string) => extractInMemory(mirror, { email: { from, subject, body }, reason_text: '' });
const read = (subject: string, body: string) => readFrom(FROM, subject, body);

describe('the invoice the customer disputes', () => {
  it('in one sentence that pays one invoice and disputes another', () => {
    const x = read('Re: statement', "We'll pay INV-004131 this week, but INV-004133 is wrong: 3 of the 12 spools arrived cracked.");
    expect(x.invoice_ref).toBe('INV-004133');
    expect(x.warnings.join(' ')).toMatch(/2 invoices cited; chose INV-004133/);
  });

  it('under a quoted reminder that lists both: the acknowledged one is not taken', () => {
    const x = read(
      'RE: Reminder: 2 invoices overdue',
      'Hi,\n\nINV-004131 is correct and goes out with Friday\'s payment run. INV-004132 however shows $24.80 per unit where our contract says $19.90, please send a corrected invoice.\n\nRegards\nJames\n\n' +
        '-----Original Message-----\nFrom: AR <ar@northwind-supply.example>\nSent: Monday, November 23, 2026 9:00 AM\nSubject: Reminder: 2 invoices overdue\n\nDear customer, INV-004131 ($13,567.35) and INV-004132 ($339.41) are past due.',
    );
    expect(x.invoice_ref).toBe('INV-004132');
  });

  it('in a remittance advice that pays several invoices and short-pays one', () => {
    const x = read(
      'Remittance advice ACH-778812',
      'Remittance advice - payment ACH-778812 dated 11/20/2026\n\nINV-004131   13,567.35   paid in full\nINV-004132      339.41   paid in full\nINV-004133    6,127.16   short paid by 480.00 - deducted for 4 spools damaged in transit\n\nTotal remitted 20,033.92',
    );
    expect(x.invoice_ref).toBe('INV-004133');
  });

  it('in a forwarded reminder where the customer says which one they dispute and which one they paid', () => {
    const x = read(
      'Fwd: Payment reminder',
      'See the reminder below. INV-004134 was paid in July with check 10442, we owe nothing there. The one we dispute is INV-004131: the expedited freight on it was never agreed.\n\n' +
        '---------- Forwarded message ---------\nFrom: AR <ar@northwind-supply.example>\nSubject: Payment reminder\n\nINV-004134 and INV-004131 are open on your account.',
    );
    expect(x.invoice_ref).toBe('INV-004131');
  });

  it('when the other invoice is only mentioned for comparison', () => {
    const x = read('Pricing', 'Unlike INV-004131, which we have no problem with, INV-004133 bills the spools at the old list price.');
    expect(x.invoice_ref).toBe('INV-004133');
  });

  it('keeps a duplicate-billing claim on the later invoice', () => {
    const x = read('Billed twice', 'INV-004134 is a duplicate of INV-004133: same spools, same PO, billed twice.');
    expect(x.reason_code).toBe('DUP');
    expect(x.invoice_ref).toBe('INV-004134');
  });

  it('keeps a duplicate the customer asks to cancel even when the mirror does not have it', () => {
    // Juniper Labs (1010) has INV-004314; INV-004313 exists nowhere.
    const x = readFrom('ap@juniperlabs.example', 'duplicate - INV-004313', 'Hi, we received INV-004313 which looks like a duplicate of INV-004314 (18,266.01) that we paid in June. Please confirm and cancel INV-004313.');
    expect(x.reason_code).toBe('DUP');
    expect(x.invoice_ref).toBe('INV-004313');
    expect(x.invoice_exists).toBe(false);
    expect(x.warnings.join(' ')).toMatch(/INV-004313 was not found in the mirror/);
  });

  it('passes over an invoice set aside for another time', () => {
    const x = read('RE: Account statement', 'INV-004131 and INV-004133 we are looking at separately.\n\nAbout INV-004132: it was billed at $24.80 a unit where our contract says $19.90.');
    expect(x.invoice_ref).toBe('INV-004132');
  });

  it('prefers the invoice named in the sentence the complaint was read from', () => {
    const x = read('Two invoices', 'INV-004131 came with the spools last Tuesday. We were quoted $19.90 per unit on INV-004132, you billed $24.80.');
    expect(x.reason_code).toBe('PRC');
    expect(x.invoice_ref).toBe('INV-004132');
  });

  it('spells a number the mirror does not know as written when it is a whole code of the old scheme', () => {
    const x = readFrom('ap@yellowtailrestaurants.example', 'INV18330 credit', 'We returned the fryer baskets on INV18330 in March and the credit was never applied.');
    expect(x.invoice_ref).toBe('INV18330');
    expect(x.invoice_exists).toBe(false);
  });
});
