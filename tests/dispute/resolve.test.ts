import { describe, expect, it } from 'vitest';
import { LOW_CONFIDENCE } from '../../dispute/confidence.ts';
import { prepareExtraction } from '../../dispute/extract.ts';
import { formatCited } from '../../dispute/resolve/invoice.ts';
import { MAX_ADDRESSES } from '../../dispute/resolve/plan.ts';
import type { EmailInput } from '../../dispute/types.ts';
import { extractInMemory, loadMirror } from './helpers/mirror.ts';

const mirror = loadMirror();
const extract = (email: Partial<EmailInput> & { body: string }, hints: { customer_id?: number | null; invoice_ref?: string | null } = {}) =>
  extractInMemory(mirror, { email: { from: 'ap@unknown.example', subject: '', ...email }, reason_text: '', ...hints });

describe('customer', () => {
  it('comes from the sender address', () => {
    expect(extract({ from: 'James Okafor <james.okafor@bluewatermarine.example>', body: 'Invoice INV-004143 price is wrong.' }).customer_id).toBe(1002);
  });

  it('is decided by the domain when the contact name is shared by several customers', () => {
    // "Maria Lopez" is a contact at 1001, 1009, 1017, 1025 and 1033.
    expect(extract({ from: 'Maria Lopez <maria.lopez@zenithrobotics.example>', body: 'Invoice 4623 pricing.' }).customer_id).toBe(1025);
    expect(extract({ from: 'Maria Lopez <m.lopez.new@ironcladsecurity.example>', body: 'Hello.' }).customer_id).toBe(1009);
  });

  it('comes from a company named in the text when the address is unknown', () => {
    const x = extract({ from: 'Noah <n@jetstream-mro.example>', subject: 'Order never arrived', body: 'Hello,\n\nNothing arrived.\n\nThanks,\nNoah\nPurchasing, Jetstream Aviation' });
    expect(x.customer_id).toBe(1035);
  });

  it('comes from the invoice when nothing else identifies it', () => {
    expect(extract({ from: 'someone@gmail.com', body: 'Invoice INV-004779 never arrived.' }).customer_id).toBe(1035);
  });

  it('a tranid under two customers is settled by payment and amount', () => {
    // INV-004519 exists for 1020 (9,053.99, paid by WIRE-697540) and 1034.
    const x = extract({ from: 'someone@gmail.com', body: 'Invoice INV-004519 for $9,053.99 was paid by wire, reference WIRE-697540.' });
    expect(x.customer_id).toBe(1020);
    expect(x.invoice_ref).toBe('INV-004519');
    expect(x.invoice_exists).toBe(true);
  });

  it('a tranid under two customers with nothing else to go on identifies nobody, with a warning', () => {
    const x = extract({ from: 'someone@gmail.com', body: 'Please check invoice INV-004519.' });
    expect(x.customer_id).toBeNull();
    expect(x.warnings.join(' ')).toMatch(/1020.*1034|1034.*1020/);
  });
});

describe('invoice', () => {
  const zenith = 'Maria Lopez <maria.lopez@zenithrobotics.example>';

  it.each(['4623', '#4623', 'inv 004623', 'INV4623', 'Invoice No. INV-004623', 'invoice 04623', 'inv-4623'])('%s is INV-004623', (cited) => {
    const x = extract({ from: zenith, body: `About ${cited}: the price is wrong.` });
    expect(x.invoice_ref).toBe('INV-004623');
    expect(x.invoice_exists).toBe(true);
  });

  it('reads the old numbering scheme without its prefix', () => {
    expect(extract({ from: 'grace.novak@granitepeakbuilders.example', body: 'Please send a copy of invoice 18226.' }).invoice_ref).toBe('INV18226');
  });

  it('of two invoices named, takes the disputed one, not the one called correct', () => {
    const x = extract({ from: 'sven.chen@kingfisherpools.example', body: 'INV-004811 is correct and was paid by wire.\n\nINV-004806 (PO-43561), however, bills 120 buckets and we received 100.' });
    expect(x.invoice_ref).toBe('INV-004806');
    expect(x.warnings.join(' ')).toContain('INV-004811');
  });

  it('for a duplicate-billing claim takes the later-dated invoice, whatever the order or numbers', () => {
    const x = extract({ from: 'james.okafor@juniperlabs.example', body: 'Invoice INV-004310 bills the same order as INV-004321. We were billed twice.' });
    expect(x.reason_code).toBe('DUP');
    expect(x.invoice_ref).toBe('INV-004310'); // 2026-11-11, later than INV-004321 (2026-10-27)
  });

  it('keeps a number that exists nowhere in the cited, normalized form with invoice_exists false', () => {
    const x = extract({ from: 'omar.rossi@pinecresthardware.example', body: 'On inv 4443 the screws were overcharged.' });
    expect(x.invoice_ref).toBe('INV-004443');
    expect(x.invoice_exists).toBe(false);
    expect(x.warnings.join(' ')).toMatch(/not found/);
  });

  it('a number that belongs to another customer is not this customer\'s invoice', () => {
    // INV-004143 is Bluewater Marine's (1002); the sender is Zenith Robotics (1025).
    const x = extract({ from: zenith, body: 'Invoice INV-004143 has the wrong price.' });
    expect(x.customer_id).toBe(1025);
    expect(x.invoice_exists).toBe(false);
    expect(x.warnings.join(' ')).toMatch(/customer 1002/);
  });

  it('with no number cited, is inferred from a PO that names one invoice, with a warning', () => {
    const x = extract({ from: 'maria.lopez@acmefabrication.example', body: 'The order on our PO-86708 was a will-call, please remove the freight.' });
    expect(x.invoice_ref).toBe('INV-004108');
    expect(x.warnings.join(' ')).toMatch(/inferred from PO-86708/);
  });

  it('is null when the email cites none', () => {
    const x = extract({ from: 'ap@evergreenclinics.example', body: 'We have not received an invoice for the November delivery yet.' });
    expect(x.invoice_ref).toBeNull();
    expect(x.invoice_exists).toBe(false);
  });

  it('ignores an older invoice in the quoted history', () => {
    const x = extract({
      from: 'james.okafor@bluewatermarine.example',
      body: 'The price on INV-004143 is wrong.\n\n-----Original Message-----\nFrom: AR <ar@northwind-supply.example>\nSent: Monday\n\nInvoice INV-004132 is past due.',
    });
    expect(x.invoice_ref).toBe('INV-004143');
  });

  it('spells a cited number the way the account numbers invoices', () => {
    const schemes = [{ prefix: 'INV', sep: '-', width: 6 }, { prefix: 'INV', sep: '', width: 5 }];
    expect(formatCited({ raw: '4443', prefix: null, digits: '4443', key: '4443' }, schemes)).toBe('INV-004443');
    expect(formatCited({ raw: '18226', prefix: null, digits: '18226', key: '18226' }, schemes)).toBe('INV18226');
    expect(formatCited({ raw: 'SI-77', prefix: 'SI', digits: '77', key: '77' }, schemes)).toBe('SI-77');
  });
});

describe('merging with the triage event', () => {
  const email = { from: 'james.okafor@bluewatermarine.example', body: 'Invoice INV-004143: the price is wrong, we were quoted $104.50 per spool.' };

  it('takes customer and invoice from the event when the email has them too, with no warning when they agree', () => {
    const x = extract(email, { customer_id: 1002, invoice_ref: '4143' });
    expect(x.customer_id).toBe(1002);
    expect(x.invoice_ref).toBe('INV-004143');
    expect(x.warnings.filter((w) => /triage event/.test(w))).toEqual([]);
  });

  it('lets the event win a conflict and says so', () => {
    const x = extract(email, { customer_id: 1010, invoice_ref: 'INV-004310' });
    expect(x.customer_id).toBe(1010);
    expect(x.invoice_ref).toBe('INV-004310');
    expect(x.invoice_exists).toBe(true);
    expect(x.warnings.join(' ')).toMatch(/triage event says customer 1010.*1002/);
    expect(x.warnings.join(' ')).toMatch(/triage event says invoice INV-004310.*INV-004143/);
  });

  it('fills what the event lacks from the email', () => {
    const x = extract(email, { customer_id: 1002 });
    expect(x.invoice_ref).toBe('INV-004143');
  });

  it('reads reason_text as the body when there is no email', () => {
    const x = extractInMemory(mirror, { email: null, customer_id: 1002, reason_text: 'Customer says invoice 4143 was billed twice' });
    expect(x.invoice_ref).toBe('INV-004143');
    expect(x.reason_code).toBe('DUP');
  });

  it('warns when no reason is recognized (OTH), however sure the model is of that', () => {
    const x = extract({ from: 'ap@orchardvalleyfarms.example', body: 'Something does not look right with INV-004420.' });
    expect(x.reason_code).toBe('OTH');
    expect(x.warnings.join(' ')).toMatch(/no dispute reason recognized/);
  });

  it('warns when the reason is taken from the triage summary, not from the email', () => {
    const x = extractInMemory(mirror, {
      email: { from: 'ap@orchardvalleyfarms.example', subject: '', body: 'Something does not look right with INV-004420.' },
      reason_text: 'Customer says invoice 4420 was billed twice for the same delivery; this is a duplicate invoice.',
    });
    expect(x.reason_code).toBe('DUP');
    expect(x.evidence.reason_code).toMatch(/^triage summary: /);
    expect(x.confidence.reason_code).toBeLessThan(LOW_CONFIDENCE);
    expect(x.warnings.join(' ')).toMatch(/low confidence in reason_code/);
  });

  it('gives every filled field a confidence and evidence', () => {
    const x = extract({ ...email, body: email.body + ' Our PO-67784. Please credit $172.80.' });
    for (const f of ['customer_id', 'invoice_ref', 'reason_code', 'disputed_amount', 'po_number']) {
      expect(x.confidence[f], f).toBeGreaterThan(0);
      expect(x.evidence[f], f).toBeTruthy();
    }
    expect(x.disputed_amount).toBe(172.8);
    expect(x.po_number).toBe('PO-67784');
  });
});

describe('PO number', () => {
  it("takes the mirror's spelling when the mirror knows it, and the customer's own scheme as written", () => {
    const known = extract({ from: 'aiko.kim@keystonedental.example', body: 'Invoice INV-004352, P.O. #77023: the glove price is wrong.' });
    expect(known.po_number).toBe('PO-77023');
    const own = extract({ from: 'aiko.kim@keystonedental.example', body: 'Our AP system rejected INV-004355: it shows no order number. Our PO is 4500012877.' });
    expect(own.po_number).toBe('4500012877');
  });

  it("is the invoice's own PO once the invoice is known, even when the email does not write it", () => {
    // INV-004352 of Keystone Dental (1011) carries PO-77023.
    const x = extract({ from: 'aiko.kim@keystonedental.example', body: 'INV-004352: the gloves are billed at $14.20 a box, our contract says $12.90.' });
    expect(x.po_number).toBe('PO-77023');
    expect(x.evidence.po_number).toMatch(/PO of INV-004352/);
  });

  it("is not another invoice's PO the customer names beside it", () => {
    // INV-004818 of Kingfisher Pools (1036) has no PO; INV-004821 carries PO-65879.
    const x = extract({ from: 'ap@kingfisherpools.example', body: "INV-004818 is a duplicate. It's the same pump housings that are on INV-004821 (PO-65879), which we've already paid. Please void 4818." });
    expect(x.invoice_ref).toBe('INV-004818');
    expect(x.po_number).toBeNull();
  });

  it('in a PO dispute, is the PO the customer supplies, not the wrong one on the invoice', () => {
    // INV-004464 of customer 1017 carries PO-89934.
    const x = extract({ from: 'ap@quarrystonesupply.example', subject: 'INV-004464 wrong PO', body: 'INV-004464 shows PO-89934, that is our lab order. This order was PO-89943. Please re-issue the invoice with PO-89943.' });
    expect(x.reason_code).toBe('PO');
    expect(x.po_number).toBe('PO-89943');
  });
});

describe('PO forms', () => {
  it('reads "our order 37173" as the customer\'s PO, and a bare "order 37173" not', () => {
    const x = extract({ from: 'aiko.kim@keystonedental.example', body: 'Our order 37173 was billed twice, see INV-004352.' });
    expect(x.po_number).toBe('PO-77023'); // the invoice's own PO wins once the invoice is known
    const none = extract({ from: 'aiko.kim@keystonedental.example', body: 'We never got a copy of the invoice for our order no. 37173.' });
    expect(none.po_number).toBe('PO-37173');
    const bare = extract({ from: 'aiko.kim@keystonedental.example', body: 'We never got a copy of the invoice for order 37173.' });
    expect(bare.po_number).toBeNull();
  });
});

describe('more invoice decisions', () => {
  it('drops a bare number the mirror does not know instead of reporting it as the invoice', () => {
    const x = extract({ from: 'ap@keystonedental.example', body: 'We paid by ACH, our batch 55443322 went out Monday.' });
    expect(x.invoice_ref).toBeNull();
  });

  it('of two duplicates dated the same day, takes the one the customer calls the duplicate', () => {
    // INV-004519 (id 20408) and INV-004760 (id 20327) of customer 1034 share date, amount and PO.
    const said = extract({ from: 'ap@indigosalongroup.example', body: 'INV-004760 is a duplicate of invoice INV-004519. Please void INV-004760.' });
    expect(said.invoice_ref).toBe('INV-004760');
    const unsaid = extract({ from: 'ap@indigosalongroup.example', body: 'INV-004760 and INV-004519 were billed twice for the same order.' });
    expect(unsaid.invoice_ref).toBe('INV-004519'); // created later
  });

  it('with no number cited, is inferred from a cited payment the mirror applied to one invoice', () => {
    const x = extract({ from: 'ap@driftwoodresorts.example', body: 'Your statement says we owe you money, but we mailed check CHK-238366 on November 19.' });
    expect(x.invoice_ref).toBe('INV-004699');
    expect(x.warnings.join(' ')).toMatch(/inferred from payment CHK-238366/);
  });

  it('with no number cited, is inferred from an exact invoice total', () => {
    const x = extract({ from: 'ap@quarrystonesupply.example', body: 'We got a collection call about the $12,182.51 invoice. It was paid by ACH on November 2.' });
    expect(x.invoice_ref).toBe('INV-004454');
    expect(x.warnings.join(' ')).toMatch(/inferred from its total \$12,182\.51/);
  });
});

describe('what one email looks up', () => {
  it('is at most twenty addresses and twenty domains, the sender first, however many quoted senders it holds', () => {
    const quoted = Array.from({ length: 500 }, (_, i) => `> From: Someone ${i} <someone${i}@company${i}.example>\n> Sent: Monday\n> old text ${i}`).join('\n>\n');
    const prepared = prepareExtraction({
      email: { from: 'James Okafor <james.okafor@bluewatermarine.example>', subject: 'Invoice INV-004143', body: `The price is wrong.\n\n${quoted}` },
      reason_text: '',
    });
    expect(prepared.plan.emails).toHaveLength(MAX_ADDRESSES);
    expect(prepared.plan.emails[0]).toBe('james.okafor@bluewatermarine.example');
    expect(prepared.plan.domains.length).toBeLessThanOrEqual(MAX_ADDRESSES);
    expect(prepared.plan.domains[0]).toBe('bluewatermarine.example');
  });
});
