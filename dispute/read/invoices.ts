// Invoice-number candidates. Customers write the number any way they like (4138, #4138, inv 004138,
// INV4138, Invoice No. INV-004138), so a candidate is reduced to a key: its digits without leading
// zeros, the same expression the database indexes. Labelled mentions come first; bare numbers shaped
// like the numbering come after, and only survive if the mirror knows them.
import { digitsOf, matchAll, sentencesOf, stripZeros, type Span } from './spans.ts';

export interface InvoiceCandidate extends Span {
  raw: string;
  /** Digits without leading zeros: `INV-004138`, `inv 4138` and `#4138` all give `4138`. */
  key: string;
  /** Letters the customer wrote before the number, upper-cased (`INV`), or null. */
  prefix: string | null;
  digits: string;
  labelled: boolean;
  sentence: string;
}

export interface CandidateOptions {
  /** Document prefixes of this account's invoice numbering; `INV` by default. */
  invoicePrefixes: string[];
}

// Patterns are case-sensitive on purpose (a code is written in capitals, "dated 2026" is prose), so
// the words around the number spell out both cases.
const ci = (word: string): string => [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join('');
// "Invoice-4150" is written too; "INV-004150" is a code, read whole by step 2 below.
const LABEL = String.raw`\b(?:(?:${ci('invoices')}|${ci('invoice')}|${ci('bills')}|${ci('bill')})\b-?|${ci('inv')}\b\.?)`;
// "\s*(?:#\s*)?" and not "\s*#?\s*": two adjacent \s* can split a run of spaces in quadratically many ways.
const NUMWORD = String.raw`(?:\s*(?:${ci('no')}\.?|${ci('nr')}\.?|${ci('number')}|${ci('num')}\.?|#|:|${ci('ref')}\.?)(?=[\s#:\d]))*\s*(?:#\s*)?`;
// Letters before the digits must be written as a code (upper case, or "inv"), never an English word.
const TOKEN = String.raw`((?:[A-Z]{1,5}|${ci('inv')})[-\s.]?\d{3,10}|\d{3,10})(?![\d,.]\d)(?![-/]\d)`;
const LIST_SEP = String.raw`\s*(?:,|${ci('and')}|&|\/|${ci('or')}|\+)\s*(?:#\s*)?`;
const OTHER_PREFIXES = new Set(['PO', 'CM', 'CN', 'RMA', 'RA', 'CHK', 'ACH', 'WIRE', 'CC', 'SO', 'DT', 'BOL', 'EFT', 'SKU']);
const YEAR = /^(19|20)\d{2}$/;
// A bare number followed by a word like "boxes" is a quantity, not a reference.
const QUANTITY_AFTER = /^\s+(?!(and|or|is|was|has|had|dated|from|for|which|that|shows|to|on|in|at|we|were|are|with|of|as|the|this|but|still|remains|should|needs|also|again|issued|billed|totaling|totalling)\b)[a-z]/;

// Candidates kept from one text. An email names a few invoices (the labeled corpora at most 6, a pasted
// statement a few dozen) and the lookup asks the mirror about 20 of them; a text of thousands of numbers
// stops here, labelled ones first, instead of quoting a sentence for each.
export const MAX_CANDIDATES = 100;

const LABELLED = new RegExp(String.raw`${LABEL}${NUMWORD}${TOKEN}((?:${LIST_SEP}${TOKEN})*)`, 'gd');
const TOKEN_RE = new RegExp(TOKEN, 'gd');
// The pattern of each invoice prefix (an account's numbering, from the mirror: a handful), built once. Bounded
// all the same, and a Map: a prefix is data, and no key reaches Object.prototype.
const PREFIXED = new Map<string, RegExp>();
function prefixedPattern(prefix: string): RegExp {
  let re = PREFIXED.get(prefix);
  if (!re) {
    if (PREFIXED.size >= 256) PREFIXED.clear();
    PREFIXED.set(prefix, (re = new RegExp(String.raw`\b(${prefix}[-\s#.]?\s?\d{3,10})\b(?![-/]\d)`, 'gi')));
  }
  return re;
}

const HASH_RE = /(?<![\w#])#\s?(\d{3,10})\b(?![.,]\d)/g;
const BARE_RE = /(?<![\w$€£.,/-])(\d{4,10})(?![\w%]|[.,]\d|[-/]\d)/g;
export function findInvoiceCandidates(text: string, avoid: Span[], opts: CandidateOptions): InvoiceCandidate[] {
  const prefixes = opts.invoicePrefixes.map((p) => p.toUpperCase());
  const out: InvoiceCandidate[] = [];
  const sentences = sentencesOf(text);
  // Which characters a candidate or a masked span covers: a candidate is at most a few characters long, so
  // checking its own characters keeps every check short however many spans the text holds.
  const taken = new Uint8Array(text.length);
  const masked = new Uint8Array(text.length);
  for (const s of avoid) masked.fill(1, s.start, s.end);
  const covered = (marks: Uint8Array, s: Span) => marks.subarray(s.start, s.end).includes(1);
  const push = (raw: string, start: number, labelled: boolean) => {
    const span = { start, end: start + raw.length };
    if (out.length >= MAX_CANDIDATES || covered(taken, span)) return;
    const prefixMatch = /^([A-Za-z]+)/.exec(raw);
    const prefix = prefixMatch ? prefixMatch[1]!.toUpperCase() : null;
    if (prefix && OTHER_PREFIXES.has(prefix)) return;
    if (prefix && !labelled && !prefixes.includes(prefix)) return;
    // A labelled number may touch a masked span only when it carries an invoice prefix ("INV-004138").
    if (covered(masked, span) && !(prefix && prefixes.includes(prefix))) return;
    const digits = digitsOf(raw);
    taken.fill(1, span.start, span.end);
    out.push({ start: span.start, end: span.end, raw, key: stripZeros(digits), prefix, digits, labelled, sentence: sentences.at(start, span.end) });
  };

  // 1. "invoice 4623", "Invoice No. INV-004138", "inv 004467", "invoices 4138 and 4139".
  for (const m of matchAll(text, LABELLED)) {
    // "bill" is also a verb ("bills 120 buckets"): as a label it needs "#", "no." or "number".
    if (/^bills?\b/i.test(m[0]) && !/^bills?\.?\s*(#|no\b|nr\b|num)/i.test(m[0])) continue;
    push(m[1]!, m.indices![1]![0], true);
    const list = m[2] ?? '';
    for (const more of matchAll(list, TOKEN_RE)) push(more[1]!, m.indices![2]![0] + more.indices![1]![0], true);
  }
  // 2. Tokens that carry an invoice prefix anywhere: INV-004138, INV18220, Inv 4138.
  for (const p of prefixes) {
    for (const m of matchAll(text, prefixedPattern(p))) if (/^[A-Z]+/.test(m[1]!) || /^inv/i.test(m[1]!)) push(m[1]!, m.index, true);
  }
  // 3. "#4138" on its own.
  for (const m of matchAll(text, HASH_RE)) push(m[1]!, m.index + m[0].indexOf(m[1]!), true);
  // 4. Bare numbers shaped like the numbering (4+ digits), unless they are years or quantities.
  for (const m of matchAll(text, BARE_RE)) {
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 30);
    // Years, quantities ("1800 boxes") and ZIP codes after a state ("IL 62704") are not references.
    if (YEAR.test(m[1]!) || QUANTITY_AFTER.test(after) || /\b[A-Z]{2},?\s+$/.test(text.slice(Math.max(0, m.index - 4), m.index))) continue;
    push(m[1]!, m.index, false);
  }
  return out.sort((a, b) => Number(b.labelled) - Number(a.labelled) || a.start - b.start);
}
