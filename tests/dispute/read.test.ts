import { describe, expect, it } from 'vitest';
import { readEmail } from '../../dispute/read/email.ts';
import { SENTENCE_REACH, sentencesOf } from '../../dispute/read/spans.ts';
import { splitEmail } from '../../dispute/read/split.ts';

const read = (body: string, subject = 'Invoice question', from = 'Pat Doe <pat@customer.example>') => readEmail({ from, subject, body });
const keys = (body: string, subject?: string) => read(body, subject).invoices.map((c) => c.key);

describe('splitting the email', () => {
  it('sets aside Outlook-style quoted history', () => {
    const p = splitEmail({
      from: 'a@b.example',
      subject: 'RE: Statement',
      body: 'We paid INV-004752 already.\n\n-----Original Message-----\nFrom: AR <ar@northwind-supply.example>\nSent: Monday\nSubject: Statement\n\nINV-004101 is past due.',
    });
    expect(p.current).toBe('We paid INV-004752 already.');
    expect(p.history).toContain('INV-004101');
    expect(p.forwarded).toBe(false);
  });

  it('sets aside "On … wrote:" history, also when the line wraps, and ">" lines', () => {
    const wrapped = splitEmail({ from: 'a@b.example', subject: 'Re: x', body: 'Paid by ACH.\n\nOn Mon, Nov 3, 2026 at 9:00 AM Northwind AR <ar@n.example>\nwrote:\n> INV-004101 is late' });
    expect(wrapped.current).toBe('Paid by ACH.');
    const inline = splitEmail({ from: 'a@b.example', subject: 'Re: x', body: '> old text INV-004101\nNew text about INV-004102' });
    expect(inline.current).toBe('New text about INV-004102');
    expect(inline.history).toContain('INV-004101');
  });

  it('recognises a forward and the forwarded sender', () => {
    const p = splitEmail({
      from: 'dana@northwind-supply.example',
      subject: 'Fwd: order',
      body: 'See below.\n\n---------- Forwarded message ---------\nFrom: Maria Lopez <maria.lopez@zenithrobotics.example>\nDate: Nov 2\nSubject: order\n\nNothing arrived.',
    });
    expect(p.forwarded).toBe(true);
    expect(p.history_senders[0]?.email).toBe('maria.lopez@zenithrobotics.example');
  });

  it('cuts the signature at a closing line but not at an opening "Thanks for …" sentence', () => {
    const p = splitEmail({ from: 'a@b.example', subject: 's', body: 'Hi,\n\nThanks for the quick reply.\n\nThe price on INV-004143 is still wrong, it should be $10.00 each per our contract with your team.\n\nBest regards,\nPat\nPhone 555-0114' });
    expect(p.current).toContain('INV-004143');
    expect(p.signature).toContain('555-0114');
  });
});

describe('the sentence quoted around a mention', () => {
  it('ends at a line end or a full stop, not at an abbreviation', () => {
    const text = 'Hello.\nSee inv. no. 4138 here! Next one.';
    const at = text.indexOf('4138');
    expect(sentencesOf(text).at(at, at + 4)).toBe('See inv. no. 4138 here!');
    expect(sentencesOf(text).at(0)).toBe('Hello.');
    expect(sentencesOf(text).at(text.length - 3)).toBe('Next one.');
  });

  it('reaches at most SENTENCE_REACH characters either side into a wall of text', () => {
    const wall = `${'x '.repeat(5000)}$1 ${'y '.repeat(5000)}`;
    const at = wall.indexOf('$1');
    expect(sentencesOf(wall).bounds(at, at + 2)).toEqual({ start: at - SENTENCE_REACH, end: at + 2 + SENTENCE_REACH });
  });
});

describe('invoice number candidates', () => {
  it.each([
    ['We are reviewing invoice 4623 from October 17.', '4623'],
    ['Please check #4138 again.', '4138'],
    ['short shipment inv 004467 please', '4467'],
    ['See INV4138 attached.', '4138'],
    ['Regarding Invoice No. INV-004138, the price is wrong.', '4138'],
    ['Copy of invoice 18226 needed.', '18226'],
    ['Old one: INV18220.', '18220'],
    ['invoice # 004138 is wrong', '4138'],
    ['INV 4138 is wrong', '4138'],
  ])('reads %s', (text, key) => {
    expect(keys(text)[0]).toBe(key);
  });

  it('normalizes case, separators and leading zeros to one key', () => {
    const all = read('inv-004138, INV 4138, Invoice #04138 and inv4138').invoices.map((c) => c.key);
    expect(new Set(all)).toEqual(new Set(['4138']));
  });

  it('lists labelled numbers before bare ones, and the subject first', () => {
    const r = read('Our reference 55555. Invoice 4138 is wrong.', 'INV-004140 question');
    expect(r.invoices.map((c) => c.key)).toEqual(['4140', '4138']);
  });

  it('never takes a PO, payment, RMA, credit memo, phone, part code, amount or date for an invoice', () => {
    const body = [
      'Our PO 77023 and PO-61287 and purchase order 4500012345.',
      'Paid with check CHK-139767, check #10442, ACH-943358, wire reference 697540 and WIRE-210692.',
      'Returned under RMA 55120; credit memo CM-000311.',
      'Call me at 555-0114 or (312) 555-0199.',
      'Part BR-4417, cleaner CIP-50, ticket DT-55817, boxes 24x18x12, 5/8" line.',
      'We paid $12,182.51 and 1,800 boxes on November 14, 2026, 2026-11-14, 11/14/2026.',
      'Tracking number 1Z999AA10123456784, order #5512.',
    ].join('\n');
    expect(read(body).invoices).toEqual([]);
  });

  it('does not read "bills 120 buckets" as an invoice', () => {
    expect(keys('INV-004806 bills 120 buckets and we received 100.')).toEqual(['4806']);
  });

  it('ignores numbers in quoted history when the message names its own invoice', () => {
    const r = read('The price on INV-004143 is wrong.\n\n-----Original Message-----\nFrom: AR <ar@n.example>\nSent: Monday\n\nINV-004101 is past due.');
    expect(r.invoices.map((c) => c.key)).toEqual(['4143']);
  });

  it('falls back to quoted history when the message names no invoice', () => {
    const r = read('We paid this already by ACH.\n\nOn Mon, Nov 3, 2026 at 9:00 AM AR <ar@n.example> wrote:\n> Invoice INV-004752 is past due.');
    expect(r.invoices.map((c) => [c.key, c.source])).toEqual([['4752', 'history']]);
  });
});

describe('references', () => {
  it('normalizes PO numbers to the PO-12345 form', () => {
    const r = read('Our PO 77023 and P.O. #61287 and purchase order number 58214, and PO-12149.');
    expect(r.po_numbers.map((p) => p.value)).toEqual(['PO-77023', 'PO-61287', 'PO-58214', 'PO-12149']);
  });

  it('does not take a PO box for a purchase order', () => {
    expect(read('Send it to PO Box 1234, Springfield.').po_numbers).toEqual([]);
  });

  it("reads the customer's own order number as their PO: our order 37173, your order # 37173", () => {
    expect(read('Our order 37173 and your order # 37174 and our order no. 37175.').po_numbers.map((p) => p.value)).toEqual(['PO-37173', 'PO-37174', 'PO-37175']);
    expect(read('Sales order 37173 and order 37174.').po_numbers).toEqual([]);
  });

  it('normalizes payments like customer_payments.reference', () => {
    const r = read('Paid by check 4521, cheque no. 7788, ACH trace 943358, wire ref 697540, CC-840955 and CHK-139767.');
    expect(r.payment_refs.map((p) => p.value)).toEqual(['CHK-4521', 'CHK-7788', 'ACH-943358', 'WIRE-697540', 'CC-840955', 'CHK-139767']);
  });

  it('does not read the verb "check" as a cheque', () => {
    expect(read('Could you please check 4138 for us?').payment_refs).toEqual([]);
  });

  it('reads credit memos and RMAs', () => {
    const r = read('Credit memo CM-000311 and credit note 4471; returned under RMA 55120 and RMA# 7781.');
    expect(r.credit_memos.map((c) => c.value)).toEqual(['CM-000311', 'CM-4471']);
    expect(r.rmas.map((c) => c.value)).toEqual(['RMA-55120', 'RMA-7781']);
  });
});

describe('amounts', () => {
  const roles = (body: string) => read(body).amounts.map((a) => [a.value, a.role]);

  it('tells unit prices, totals to pay and claimed amounts apart', () => {
    expect(roles('Billed at $118.90 per spool, contract price is $104.50 per spool. The difference is 12 x $14.40 = $172.80.')).toEqual([
      [118.9, 'unit'], [104.5, 'unit'], [14.4, 'unit'], [172.8, 'claim'],
    ]);
    expect(roles('Please remove the freight charge of $645.00. We will pay the remaining $17,811.05.')).toEqual([[645, 'claim'], [17811.05, 'payable']]);
    expect(roles('8% of $6,543.96 is $523.52.')[0]).toEqual([6543.96, 'base']);
  });

  it('marks the invoice amount as cited', () => {
    expect(roles('Invoice INV-004748 for $5,902.17 has not arrived.')).toEqual([[5902.17, 'invoice']]);
    expect(roles('A reminder for invoice INV-004519 in the amount of $9,053.99.')).toEqual([[9053.99, 'invoice']]);
  });

  it('reads thousands written with k, withheld balances, and what they accept or were told', () => {
    expect(roles('That is about $2.5k we are holding back.')).toEqual([[2500, 'plain']]);
    expect(roles('We will not pay the open balance of $820.10 until then.')).toEqual([[820.1, 'claim']]);
    expect(roles('We are holding the remaining $310.00 until the rest ships.')).toEqual([[310, 'claim']]);
    expect(roles('We will pay for the 20 units we got ($4,000.00).')).toEqual([[4000, 'payable']]);
    expect(roles('The rest ($9,100.00) is approved.')).toEqual([[9100, 'payable']]);
    expect(roles('The rep told us $42 on the phone.')).toEqual([[42, 'unit']]);
    expect(roles("A 'pallet fee' line of 95.00 which we will not pay.")).toEqual([[95, 'claim']]);
  });

  it('reads amounts with thousands separators followed by punctuation', () => {
    expect(read('Statement lists INV-004699 ($18,772.56, PO-83633) as open.').amounts[0]?.value).toBe(18772.56);
  });
});

describe('more spellings', () => {
  it('reads "Invoice-4150" and "inv#4286"', () => {
    expect(keys('The oil on Invoice-4150 leaked.')).toEqual(['4150']);
    expect(keys('inv#4286 has the wrong PO')).toEqual(['4286']);
  });

  it('does not take a ZIP code after a state for an invoice', () => {
    expect(keys('Ship to 200 Main St, Springfield, IL 18226 please.')).toEqual([]);
  });

  it('does not take an ACH trace number for an invoice', () => {
    expect(read('Paid via ACH, trace number 021000021.').invoices).toEqual([]);
  });
});
