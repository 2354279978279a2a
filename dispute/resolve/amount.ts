// Picks the disputed amount from the amounts the email states, once the reason and the invoice are
// known. Whole-invoice claims (not received, already paid) dispute the invoice's amount; the others
// dispute what the customer asks back; a PO or missing-invoice request contests no amount at all.
import type { SourcedAmount } from '../read/email.ts';
import type { Found, InvoiceRow, ReasonCode } from '../types.ts';

const NO_AMOUNT: ReasonCode[] = ['PO', 'NOI'];
const WHOLE_INVOICE: ReasonCode[] = ['NRC', 'PAID'];
const EXCLUDED = new Set(['unit', 'payable', 'base']);

interface Group {
  value: number;
  cue: number;
  count: number;
  roles: Set<string>;
  evidence: string;
  first: number;
}

export function pickDisputedAmount(amounts: SourcedAmount[], reason: ReasonCode, invoice: InvoiceRow | null): Found<number | null> {
  if (NO_AMOUNT.includes(reason)) {
    return { value: null, confidence: 0.85, evidence: `a ${reason} request contests no amount` };
  }
  const groups = group(amounts.filter((a) => !EXCLUDED.has(a.role)));
  const rank = (g: Group) => g.cue + 0.5 * (g.count - 1);
  const best = [...groups].sort((a, b) => rank(b) - rank(a) || b.first - a.first)[0];

  if (WHOLE_INVOICE.includes(reason)) {
    const totals = invoice ? [invoice.foreigntotal, invoice.foreignamountunpaid].filter((x): x is number => x != null).map(Number) : [];
    // The invoice's own total or open balance is the disputed amount whatever role its words give it
    // ("the remaining $1,707.31 was sent by ACH" reads as a payable balance, but it is the balance contested).
    const matches = (g: Group) => totals.some((t) => Math.abs(t - g.value) < 0.005 && t > 0);
    // When both the total and the open balance are named, what they say they paid is the claim ("a reminder
    // shows $589.28 outstanding; we wired the full $1,178.56").
    const matching = groups.filter(matches);
    // Otherwise a part they name that is still open is what is contested, not the total it is part of ("INV18418
    // (18,043.88) was paid in two parts: 9,021.94 by card … and 9,021.94 by wire … the second half as open").
    const open = invoice?.foreignamountunpaid != null ? Number(invoice.foreignamountunpaid) : 0;
    const openPart = open > 0 && invoice?.foreigntotal != null && open < Number(invoice.foreigntotal) ? matching.find((g) => Math.abs(g.value - open) < 0.005) : undefined;
    const ofInvoice = matching.find((g) => g.roles.has('paid')) ?? openPart ?? matching[0] ?? group(amounts.filter((a) => a.role === 'payable')).find(matches);
    if (ofInvoice) return found(ofInvoice, 0.9);
    const cited = groups.find((g) => g.roles.has('invoice') || g.roles.has('paid'));
    if (cited) return found(cited, 0.8);
    if (best && best.cue >= 1.5) return found(best, 0.7);
    if (groups.length === 1) return found(groups[0]!, 0.6);
    // The email states no amount: say so rather than put the mirror's balance in the customer's mouth.
    return { value: null, confidence: 0.6, evidence: invoice ? `no amount stated; ${invoice.tranid} is disputed as a whole` : 'no amount stated' };
  }
  if (reason === 'OTH') {
    return best && best.cue >= 3 ? found(best, 0.7) : { value: null, confidence: 0.7, evidence: 'no amount is contested' };
  }
  if (best && best.cue >= 1.5) return found(best, best.cue >= 3 ? 0.9 : best.cue >= 2 ? 0.85 : 0.75);
  // Without telling words, a single amount that is not the invoice's own total is most likely it.
  // An amount set beside the invoice's number that is neither its total nor its balance is not the invoice's
  // amount: "missing from invoice #004856 - 325.33" (a 3,253.34 invoice) names the discount.
  const ownAmounts = invoice ? [invoice.foreigntotal, invoice.foreignamountunpaid].filter((x): x is number => x != null).map(Number) : null;
  const isInvoiceAmount = (g: Group) => g.roles.has('invoice') && (!ownAmounts || ownAmounts.some((t) => Math.abs(t - g.value) < 0.005));
  const plain = groups.filter((g) => !isInvoiceAmount(g) || reason === 'DUP');
  if (plain.length === 1) return found(plain[0]!, best && best.cue > 0 ? 0.65 : 0.6);
  if (plain.length > 1) {
    const pick = [...plain].sort((a, b) => rank(b) - rank(a) || b.first - a.first)[0]!;
    return found(pick, 0.4);
  }
  return { value: null, confidence: 0.6, evidence: 'no disputed amount stated' };
}

function group(amounts: SourcedAmount[]): Group[] {
  const out = new Map<string, Group>();
  amounts.forEach((a, i) => {
    const k = a.value.toFixed(2);
    const g = out.get(k) ?? { value: a.value, cue: 0, count: 0, roles: new Set<string>(), evidence: a.sentence, first: i };
    g.count++;
    g.roles.add(a.role);
    if (a.cue > g.cue) {
      g.cue = a.cue;
      g.evidence = a.sentence;
    }
    out.set(k, g);
  });
  return [...out.values()];
}

const found = (g: Group, confidence: number): Found<number> => ({ value: round(g.value), confidence, evidence: g.evidence });
const round = (x: number) => Math.round(x * 100) / 100;
