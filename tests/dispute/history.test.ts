// Memory rules (dispute/history.ts) and where they are used: the hold recommendation and the reply draft.
import { describe, expect, it } from 'vitest';
import { claimedReason, repeatIssue, unsupportedPaidClaims, verdictOf, type PastDispute } from '../../dispute/history.ts';
import { recommendHold, type HoldInput } from '../../dispute/hold.ts';
import { draftReply } from '../../dispute/reply/draft.ts';
import type { InvoiceRow } from '../../dispute/types.ts';

let nextId = 100;
/** An earlier run; newest first in the lists below, so ids count down as the lists are written. */
const past = (over: Partial<PastDispute> = {}): PastDispute => ({
  run_id: nextId--, at: '2026-11-10T09:00:00Z', invoice_ref: 'INV-004160', reason_code: 'PAID', decision: 'approved', corrections: [], ...over,
});
const rejected = (over: Partial<PastDispute> = {}) => past({ decision: 'rejected', ...over });
const correctedTo = (code: string, over: Partial<PastDispute> = {}) =>
  past({ reason_code: code, corrections: [{ field: 'reason_code', from: 'PAID', to: code }], ...over });

describe('verdicts on earlier claims', () => {
  it('reads the claim before the correction, and judges rejected or re-reasoned claims unsupported', () => {
    expect(claimedReason(correctedTo('DSC'))).toBe('PAID');
    expect(claimedReason(past({ corrections: [{ field: 'disputed_amount', from: 10, to: 20 }] }))).toBe('PAID');
    expect(claimedReason(past({ corrections: [{ field: 'invoice_ref', from: 'INV-1', to: 'INV-2' }, { field: 'reason_code', from: 'OTH', to: 'PAID' }] }))).toBe('OTH');
    expect(claimedReason(past({ corrections: [{ field: 'invoice_ref', from: 'INV-1', to: 'INV-2' }] }))).toBe('PAID');
    expect(claimedReason(past({ corrections: [{ field: 'reason_code', from: null, to: 'PAID' }] }))).toBe('PAID');
    expect(verdictOf(past())).toBe('supported');
    expect(verdictOf(past({ corrections: [{ field: 'disputed_amount', from: 10, to: 20 }] }))).toBe('supported');
    expect(verdictOf(rejected())).toBe('unsupported');
    expect(verdictOf(correctedTo('DSC'))).toBe('unsupported');
    expect(verdictOf(past({ decision: 'expired' }))).toBeNull();
    expect(verdictOf(past({ decision: null }))).toBeNull();
  });
});

describe('unsupportedPaidClaims', () => {
  it('fires when the last three decided PAID claims were all unsupported, naming them', () => {
    const h = [rejected({ run_id: 14, at: '2026-11-30T08:00:00Z' }), correctedTo('DSC', { run_id: 13, at: '2026-11-29T08:00:00Z' }), rejected({ run_id: 12, at: '2026-11-28T08:00:00Z', invoice_ref: null })];
    expect(unsupportedPaidClaims(h)).toEqual({
      fired: true,
      text: "the customer's last 3 PAID claims were unsupported: run 14 of 2026-11-30 (INV-004160) rejected; run 13 of 2026-11-29 (INV-004160) corrected to DSC; run 12 of 2026-11-28 rejected",
    });
  });

  it('looks only at the last three: an older supported claim does not save them, a newer one does', () => {
    expect(unsupportedPaidClaims([rejected(), rejected(), rejected(), past()]).fired).toBe(true);
    const r = unsupportedPaidClaims([past(), rejected(), rejected(), rejected()]);
    expect(r.fired).toBe(false);
    expect(r.text).toMatch(/^2 of the customer's last 3 decided PAID claims were unsupported/);
  });

  it('skips undecided runs and other reasons, and needs three claims', () => {
    const skipped = [past({ decision: 'expired' }), past({ decision: null }), rejected({ reason_code: 'DMG' })];
    expect(unsupportedPaidClaims([...skipped, rejected(), rejected(), correctedTo('CRN')]).fired).toBe(true);
    const two = unsupportedPaidClaims([...skipped, rejected(), rejected()]);
    expect(two).toEqual({ fired: false, text: "2 of the customer's last 2 decided PAID claims were unsupported (hold when the last 3 were all rejected or corrected to another reason)" });
    expect(unsupportedPaidClaims([])).toEqual({ fired: false, text: 'no earlier decided PAID claim of this customer on record (hold when the last 3 were all rejected or corrected to another reason)' });
    expect(unsupportedPaidClaims([rejected()]).text).toMatch(/^1 of the customer's last 1 decided PAID claim was unsupported \(/);
    expect(unsupportedPaidClaims([past()]).text).toMatch(/^0 of the customer's last 1 decided PAID claim were unsupported \(/);
    // A claim corrected *to* PAID was not a PAID claim of the customer.
    expect(unsupportedPaidClaims([rejected(), rejected(), past({ corrections: [{ field: 'reason_code', from: 'OTH', to: 'PAID' }] })]).fired).toBe(false);
    expect(unsupportedPaidClaims([rejected(), rejected()], 2).fired).toBe(true);
  });
});

describe('the hold recommendation uses the history', () => {
  const base: HoldInput = {
    customer: { id: 1017, creditlimit: 100000, creditholdoverride: 'AUTO' }, open_disputes: [], invoices: [], today: '2026-11-30', reason_code: 'DMG', disputed_amount: 10,
  };
  it('holds with the rule stated when it fires, and only checks it otherwise', () => {
    expect(recommendHold(base).recommendation).toBe('continue');
    expect(recommendHold(base).reasons.join(' ')).not.toMatch(/PAID claim/);
    const fired = recommendHold({ ...base, history: [rejected(), rejected(), correctedTo('DSC')] });
    expect(fired.recommendation).toBe('hold');
    expect(fired.reasons[0]).toMatch(/^the customer's last 3 PAID claims were unsupported: run \d+ of 2026-11-10 \(INV-004160\) rejected/);
    const checked = recommendHold({ ...base, history: [past(), rejected(), rejected()] });
    expect(checked.recommendation).toBe('continue');
    expect(checked.reasons).toContain("2 of the customer's last 3 decided PAID claims were unsupported (hold when the last 3 were all rejected or corrected to another reason)");
  });
});

describe('the reply acknowledges a repeat issue', () => {
  const invoice: InvoiceRow = { id: 1, tranid: 'INV-004143', entity: 1002, trandate: '2026-11-06', duedate: '2026-12-06', foreigntotal: 300, foreignamountunpaid: 300 };
  const reply = (history?: PastDispute[]) => draftReply({
    customer: { id: 1002, companyname: 'Bluewater Marine' }, invoice, invoice_ref: invoice.tranid, recent_payments: [], prior_invoices: [], today: '2026-11-30',
    extraction: { reason_code: 'PRC', secondary_reasons: [], disputed_amount: 10, payment_refs: [], po_number: null }, ...(history ? { history } : {}),
  }).body;

  it('only for the same reason as accepted before', () => {
    expect(repeatIssue([rejected({ reason_code: 'PRC' }), correctedTo('PRC')], 'PRC')).toBeNull();
    const h = [past({ reason_code: 'PRC', at: '2026-11-12T10:00:00Z', invoice_ref: 'INV-004132' }), past({ reason_code: 'PRC' }), past({ reason_code: 'DMG' })];
    expect(repeatIssue(h, 'PRC')?.times).toBe(2);
    expect(reply(h)).toContain('You have raised the same issue (pricing error) with us 2 times before, most recently on November 12, 2026 (invoice INV-004132).');
    expect(reply([past({ reason_code: 'PRC', at: '2026-11-12T10:00:00Z', invoice_ref: null })])).toContain('with us once before, on November 12, 2026. Beyond this invoice');
    expect(reply()).not.toMatch(/raised the same issue/);
    expect(reply([past({ reason_code: 'DMG' }), rejected({ reason_code: 'PRC' })])).not.toMatch(/raised the same issue/);
  });
});
