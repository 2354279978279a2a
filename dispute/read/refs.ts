// Document references that are NOT invoices: purchase orders, payments, credit memos, RMAs, and the
// numbers an invoice reader must stay away from (phones, dates, part codes, tracking and order numbers).
// Each is normalized to the mirror's spelling: PO-77023, CHK-139767, ACH-943358, WIRE-697540, CC-840955.
import { digitsOf, matchAll, type Tagged } from './spans.ts';

// "\s*(?:#\s*)?" and not "\s*#?\s*": two adjacent \s* can split a run of spaces in quadratically many ways.
const NUMWORD = String.raw`(?:\s*(?:no\.?|nr\.?|num(?:ber)?\.?|#|:|is|was|ref(?:erence)?\.?)(?=[\s#:\d-]))*\s*(?:#\s*)?`;
const CODE = String.raw`([A-Za-z]{0,4}-?\d[\d-]{2,16}\d|\d{3,})`;

function tag(kind: string, m: RegExpExecArray, value: string, group = 0): Tagged {
  const raw = m[group] ?? m[0];
  const start = group === 0 ? m.index : m.index + m[0].lastIndexOf(raw);
  return { kind, raw, value, start, end: start + raw.length };
}

/**
 * `PO 77023`, `P.O. #77023`, `purchase order number 77023`, `PO-77023`, `our order 77023`, `our order no.
 * 77023` → `PO-77023`. The customer's own order number is their PO ("our order" / "your order", never a bare
 * "order 77023", which may be our sales order).
 */
const PURCHASE_ORDER = new RegExp(String.raw`\b(?:p\.?\s?o\.?|purchase\s+order|(?<=\b(?:our|your)\s+)order)(?!\s*box\b)${NUMWORD}${CODE}`, 'gi');
export function findPurchaseOrders(text: string): Tagged[] {
  const out: Tagged[] = [];
  for (const m of matchAll(text, PURCHASE_ORDER)) {
    const code = m[1]!.replace(/^-/, '').toUpperCase();
    // Keep letters the customer's PO scheme uses (PO-AB123); a bare number takes the mirror's PO- prefix.
    const value = /^\d/.test(code) ? `PO-${code}` : code.startsWith('PO') ? code.replace(/^PO-?/, 'PO-') : `PO-${code}`;
    out.push(Object.assign({}, tag('po', m, value), { start: m.index, end: m.index + m[0].length }));
  }
  return out;
}

// Keyed by the customer's word: a Map, which holds nothing but its own entries.
const METHOD_PREFIX = new Map(Object.entries({
  chk: 'CHK', chq: 'CHK', ck: 'CHK', check: 'CHK', cheque: 'CHK',
  ach: 'ACH', eft: 'ACH', wire: 'WIRE', wt: 'WIRE', cc: 'CC', card: 'CC', 'credit card': 'CC',
}));
// A verb "check" ("please check 4138") is not a cheque.
const VERB_BEFORE_CHECK = /\b(please|pls|kindly|to|you|can|could|would|will|and|also|then|i'll|we'll|double)\s+$/i;

const PAYMENT_PREFIXED = /\b(CHK|CHQ|ACH|WIRE|EFT)[-#\s]?(\d{4,})\b|\b(CC|CK|WT)-?(\d{4,})\b/gi;
const PAYMENT_LABELLED = new RegExp(
  String.raw`\b(check|cheque|ach|wire(?:\s+transfer)?|eft|credit\s+card|card)(?:,?\s+(?:payment|transfer|trace|confirmation))?` +
    String.raw`(?:\s*(?:no\.?|number|num|#|ref(?:erence)?|trace(?:\s+number)?|confirmation(?:\s+number)?|id|is|was|:)(?=[\s#:\d]))*\s*(?:#\s*)?(\d{4,})\b`,
  'gi',
);

/** Check/ACH/wire/card references, normalized like customer_payments.reference. */
export function findPaymentRefs(text: string): Tagged[] {
  const out: Tagged[] = [];
  for (const m of matchAll(text, PAYMENT_PREFIXED)) {
    const p = (m[1] ?? m[3]!).toLowerCase();
    if (m[3] && m[3] !== m[3].toUpperCase()) continue; // "cc 1234" in prose is not a card payment
    out.push(tag('payment', m, `${METHOD_PREFIX.get(p)}-${m[2] ?? m[4]}`));
  }
  for (const m of matchAll(text, PAYMENT_LABELLED)) {
    const word = m[1]!.toLowerCase().replace(/\s+transfer$/, '').replace(/\s+/g, ' ');
    if ((word === 'check' || word === 'cheque') && VERB_BEFORE_CHECK.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
    out.push(Object.assign({}, tag('payment', m, `${METHOD_PREFIX.get(word) ?? 'CHK'}-${m[2]}`), { start: m.index, end: m.index + m[0].length }));
  }
  return dedupe(out);
}

const CREDIT_MEMO = new RegExp(String.raw`\bcredit\s+(?:memo|note)${NUMWORD}${CODE}|\b(CM|CN)[-#\s]?(\d{3,})\b`, 'gi');
/** `credit memo CM-000311`, `CM 311`, `credit note 4471` → `CM-000311`, `CM-311`, `CM-4471`. */
export function findCreditMemos(text: string): Tagged[] {
  const out: Tagged[] = [];
  for (const m of matchAll(text, CREDIT_MEMO)) {
    if (m[2] && m[2] !== m[2].toUpperCase()) continue;
    const code = (m[1] ?? `${m[2]}-${m[3]}`).toUpperCase();
    const value = /^\d/.test(code) ? `CM-${code}` : code.replace(/^([A-Z]+)-?/, '$1-');
    out.push(Object.assign({}, tag('credit_memo', m, value), { start: m.index, end: m.index + m[0].length }));
  }
  return dedupe(out);
}

/** `RMA 55120`, `RMA# 55120`, `return authorization 55120` → `RMA-55120`. */
const RMA = new RegExp(String.raw`\b(?:rma|ra|return\s+(?:material\s+|merchandise\s+|goods\s+)?authori[sz]ation)${NUMWORD}${CODE}`, 'gi');
export function findRmas(text: string): Tagged[] {
  const out: Tagged[] = [];
  for (const m of matchAll(text, RMA)) {
    if (/^ra/i.test(m[0]) && !/^RA/.test(m[0])) continue; // "ra" in prose is no RMA
    out.push(Object.assign({}, tag('rma', m, `RMA-${digitsOf(m[1]!)}`), { start: m.index, end: m.index + m[0].length }));
  }
  return out;
}

const MONTH = String.raw`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;
const OTHER_LABELS =
  String.raw`tracking|trace|order|sales\s+order|so|account|acct|customer|cust|part|sku|item|model|catalog|cat|ticket|delivery\s+ticket|` +
  String.raw`case|claim|quote|quotation|bol|bill\s+of\s+lading|pro|shipment|job|project|reference|ref|confirmation|vendor|supplier|` +
  String.raw`tax\s+id|ein|store|location|suite|ste|unit|room|building|hangar|dock|door|route|lot|serial|s\/n|receipt|packing\s+slip|` +
  String.raw`ext|extension|fax|phone|tel|mobile|cell|call|reached\s+at|zip|box`;

// Looked for in this order, and their spans come out in it.
const NON_INVOICE: [string, RegExp][] = [
  ['phone', /(?:\+?1[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\b\d{3}[.-]\d{4}\b/g],
  ['date', new RegExp(String.raw`\b${MONTH}\s+\d{1,2}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{4})?|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?${MONTH}\b(?:,?\s+\d{4})?`, 'gi')],
  ['date', /\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/g],
  ['percent', /\b\d+(?:\.\d+)?\s?%/g],
  ['measure', /\b\d+(?:\.\d+)?\s?(?:x|×)\s?\d+(?:\.\d+)?(?:\s?(?:x|×)\s?\d+(?:\.\d+)?)?|\b\d+\/\d+"?|\b\d+(?:\.\d+)?\s?(?:mm|cm|inch|inches|ft|feet|oz|ml|lbs?|kg|gal|mil|gauge|ga|kw|hp|"|')(?![\w-])|\b\d+(?:U|V|W|A)\b/gi],
  ['labelled', new RegExp(String.raw`\b(?:${OTHER_LABELS})\b${NUMWORD}[A-Za-z]{0,4}-?\d[\w-]*`, 'gi')],
];
const CODE_LIKE = /\b([A-Z]{1,5})-?(\d[\dA-Z-]*)\b/g;

/** Spans an invoice number can never be: phones, dates, measurements, labelled non-invoice codes. */
export function findNonInvoiceSpans(text: string, invoicePrefixes: string[]): Tagged[] {
  const out: Tagged[] = [];
  const add = (kind: string, re: RegExp) => {
    for (const m of matchAll(text, re)) out.push(tag(kind, m, m[0]));
  };
  for (const [kind, re] of NON_INVOICE) add(kind, re);
  // Codes like BR-4417, CIP-50, DT-55817: letters + digits whose letters are not an invoice prefix.
  for (const m of matchAll(text, CODE_LIKE)) {
    if (!invoicePrefixes.some((p) => p.toUpperCase() === m[1])) out.push(tag('code', m, m[0]));
  }
  return out;
}

/** Drops a tag that starts inside an earlier kept tag of the same value. */
function dedupe(tags: Tagged[]): Tagged[] {
  const sorted = [...tags].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Tagged[] = [];
  // In start order, only the furthest end reached by each value matters (one look-up per tag, not a scan).
  const reach = new Map<string, number>();
  for (const t of sorted) {
    if ((reach.get(t.value) ?? -1) > t.start) continue;
    out.push(t);
    reach.set(t.value, Math.max(reach.get(t.value) ?? -1, t.end));
  }
  return out;
}
