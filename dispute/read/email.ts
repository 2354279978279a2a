// Reads one email into candidate facts, each with where it came from. Nothing here knows the mirror:
// the resolver confirms candidates against the rows the lookup step found.
import { findAmounts, type AmountMention } from './amounts.ts';
import { findInvoiceCandidates, type InvoiceCandidate } from './invoices.ts';
import { findCreditMemos, findNonInvoiceSpans, findPaymentRefs, findPurchaseOrders, findRmas } from './refs.ts';
import { sentencesOf, type Tagged } from './spans.ts';
import { bareSubject, splitEmail, type EmailParts } from './split.ts';

export type Source = 'subject' | 'body' | 'history';

export interface SourcedCandidate extends InvoiceCandidate {
  source: Source;
}
export interface SourcedAmount extends AmountMention {
  source: Source;
}
export interface Reference {
  value: string;
  raw: string;
  source: Source;
  evidence: string;
}

export interface EmailReading {
  parts: EmailParts;
  /** Labelled candidates first, subject before body; history only when the message itself names none. */
  invoices: SourcedCandidate[];
  amounts: SourcedAmount[];
  po_numbers: Reference[];
  payment_refs: Reference[];
  credit_memos: Reference[];
  rmas: Reference[];
}

export interface ReadOptions {
  invoicePrefixes?: string[];
}

// Distinct references of each kind kept from a message. An email cites one or two POs or payments (the
// labeled corpora at most 2); the lookup asks the mirror about 10, and each kept one quotes its sentence.
const MAX_REFS = 20;

interface Segment {
  source: Source;
  text: string;
}

export function readEmail(email: { from: string; subject: string; body: string }, opts: ReadOptions = {}): EmailReading {
  const parts = splitEmail(email);
  const prefixes = opts.invoicePrefixes ?? ['INV'];
  const own: Segment[] = [
    { source: 'subject', text: bareSubject(parts.subject) },
    { source: 'body', text: parts.current },
  ];
  const history: Segment[] = parts.history ? [{ source: 'history', text: parts.history }] : [];

  const readSegments = (segs: Segment[]) => {
    const invoices: SourcedCandidate[] = [];
    const amounts: SourcedAmount[] = [];
    const refs = { po: [] as Reference[], pay: [] as Reference[], cm: [] as Reference[], rma: [] as Reference[] };
    for (const seg of segs) {
      const po = findPurchaseOrders(seg.text);
      const pay = findPaymentRefs(seg.text);
      const cm = findCreditMemos(seg.text);
      const rma = findRmas(seg.text);
      const money = findAmounts(seg.text);
      const avoid = [...po, ...pay, ...cm, ...rma, ...money, ...findNonInvoiceSpans(seg.text, prefixes)];
      invoices.push(...findInvoiceCandidates(seg.text, avoid, { invoicePrefixes: prefixes }).map((c) => Object.assign({}, c, { source: seg.source })));
      amounts.push(...money.map((a) => Object.assign({}, a, { source: seg.source })));
      const sentences = sentencesOf(seg.text);
      // The first mention of each value is kept (subject before body), and only it is quoted.
      const add = (list: Reference[], tags: Tagged[]) => {
        for (const t of tags) {
          if (list.length >= MAX_REFS) break;
          if (list.some((r) => r.value === t.value)) continue;
          list.push({ value: t.value, raw: t.raw, source: seg.source, evidence: sentences.at(t.start, t.end) });
        }
      };
      add(refs.po, po);
      add(refs.pay, pay);
      add(refs.cm, cm);
      add(refs.rma, rma);
    }
    return { invoices: sortCandidates(invoices), amounts, ...refs };
  };

  const mine = readSegments(own);
  // Quoted history holds older numbers; use it only for what the message itself does not say
  // (a forward with a one-line note, or "we paid this" in reply to a reminder).
  const old = history.length ? readSegments(history) : null;
  const orOld = <T>(a: T[], b: T[] | undefined): T[] => (a.length || !b ? a : b);
  return {
    parts,
    invoices: orOld(mine.invoices, old?.invoices),
    amounts: orOld(mine.amounts, parts.forwarded ? old?.amounts : undefined),
    po_numbers: orOld(mine.po, old?.po),
    payment_refs: orOld(mine.pay, old?.pay),
    credit_memos: orOld(mine.cm, old?.cm),
    rmas: orOld(mine.rma, old?.rma),
  };
}

function sortCandidates(c: SourcedCandidate[]): SourcedCandidate[] {
  const rank = (x: SourcedCandidate) => (x.labelled ? 0 : 2) + (x.source === 'subject' ? 0 : 1);
  return [...c].sort((a, b) => rank(a) - rank(b) || a.start - b.start);
}

/** The text the reason is read from: subject and the message itself, or a forwarded message it carries. */
export function reasonText(parts: EmailParts): { subject: string; body: string; fallback: string | null } {
  return { subject: bareSubject(parts.subject), body: parts.current, fallback: parts.forwarded && parts.history ? parts.history : null };
}
