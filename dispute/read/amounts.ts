// Money in the email and the role each amount plays in its sentence. AR emails carry many amounts (unit
// prices, the invoice total, what they will pay, the subtotal a tax was computed on); only the words
// around an amount tell the disputed one apart, so each gets a role and a cue strength here and the
// resolver picks once the reason and the invoice are known.
import { matchAll, sentencesOf, type Span } from './spans.ts';

export type AmountRole =
  | 'unit' // a price per unit or a factor: "$38.75 per roll", "3 x $1,264.00", "contract price of $52.00"
  | 'payable' // what they will pay or a figure used for comparison: "we will pay the remaining $17,811.05"
  | 'base' // the base of a percentage: "8% of $6,543.96"
  | 'paid' // what they say they paid: "we paid $9,053.99"
  | 'invoice' // the invoice's amount as cited: "invoice INV-004779 for $4,428.36"
  | 'claim' // an amount they ask back or contest: "please credit $1,162.50"
  | 'plain'; // no telling words

export interface AmountMention extends Span {
  value: number;
  raw: string;
  role: AmountRole;
  /** How strongly the words mark it as the disputed amount: 0 none, 1.5 a charge, 2 a credit ask, 3 "we dispute". */
  cue: number;
  sentence: string;
}

// A bare whole number is money only when a currency word follows it ("192 bucks", "450 dollars"), or when it is
// what they hold back and nothing (no unit) follows it: "holding 600 until corrected", "we deducted 845.".
// Digit groups are bounded (up to 10^18, past any real amount): a bare number may start after any comma of
// "1,000,000,…", and an unbounded group would re-read the rest of the run from each of them.
const MONEY = /(?:\b(?:USD|US\$|CAD|EUR|GBP)\s?|[$€£]\s?)(\d{1,3}(?:,\d{3}){1,5}|\d{1,18})(\.\d+)?(?!\d|,\d)|\b(\d{1,3}(?:,\d{3}){1,5}|\d{1,18})(?:\.(\d{2})(?![\d%])(?:\s?(?:USD|dollars))?|(?=\s?(?:bucks|dollars|usd)\b))|(?<=\b(?:holding|withholding|deducting|deducted|short[- ]paying|short[- ]paid)(?: back)? )(\d{1,3}(?:,\d{3}){1,5}|\d{1,18})(?=\s+(?:until|till|pending)\b|\s*[.,;!]?\s*$|\s*[,;!]|\.(?!\d))/gim;

// "USD 1.236,00" or "USD 665,56": a decimal comma, read only next to a currency sign so "1,234" stays US.
// "(?![.,]*\d)": no digit follows in the same number; "[\d.,]*\d" said the same but re-read the whole run.
const DECIMAL_COMMA = /((?:\b(?:USD|US\$|CAD|EUR|GBP)\s?|[$€£]\s?))(\d{1,3}(?:\.\d{3}){1,5},\d{2}|\d{1,18},\d{2})(?![.,]*\d)/gi;
// The same with the currency after it: "405,00 USD", "1.236,00 EUR".
const DECIMAL_COMMA_AFTER = /\b(\d{1,3}(?:\.\d{3}){1,5},\d{2}|\d{1,18},\d{2})(?=\s?(?:USD|EUR|GBP|CAD|dollars)\b)/gi;
// Without any currency sign: "7.121,38" can only be a decimal comma, and once an email writes money that way,
// its bare "356,07" is one too (a US thousands group has three digits).
const EUROPEAN = /\b\d{1,3}(?:\.\d{3}){1,5},\d{2}(?![.,]*\d)/;
const DECIMAL_COMMA_BARE = /(?<![\d.,$€£])\b(\d{1,3}(?:\.\d{3}){1,5},\d{2}|\d{1,18},\d{2})(?![.,]*\d)/g;

const UNIT_AFTER = /^\s*(each\b|ea\b|apiece|a piece|per\b|\/\s?[a-z]+\b|an? (unit|piece|box|case|roll|pallet|carton|bucket|spool|hour|bag|drum|kit|pack)\b)/;
const UNIT_BEFORE = [
  /\d+(?:\.\d+)?\s*(x|×|@|times)\s*$/,
  /\b(priced|billed|charged|invoiced|quoted|sold) at\s*$/,
  /\b(unit|contract|list|quoted|agreed|catalog|catalogue|correct|old|new|net|our|special|standard) (unit )?(price|pricing|rate|cost)( of| is| was| at| should be)?\s*$/,
  /\b(price|rate|cost) per \w+( of| is| was)?\s*$/,
  /\b(quote|price|rate) (of|was|is|at)\s*$/,
  /\b\d[\d,]*\s+[a-z][\w"' -]{0,40}\s+at\s*$/,
  // A price someone gave: "Luis told us $79 on the phone", "the rep promised me $12.50".
  /\b(told|promised|quoted|gave|offered) (us|me)( a (unit )?(price|rate|cost) of)?\s*$/,
];
const PAYABLE_BEFORE = [
  /(\b(will|can|shall|would|are able to|to|then|and)|'ll) (then )?(release )?(pay|remit|process)( for)?( the)?( remaining| remainder| rest| balance| undisputed| net| difference)?( amount| portion| balance)?( of)?\s*$/,
  /\b(remaining|remainder of|undisputed( amount| portion| balance)?( of| is)?|balance( due)?( of| is| was)?|subtotal( of| is)?|orders (over|above|of)|over|above|more than|at least|minimum( of)?|rather than|instead of|not|credit limit( of)?)\s*$/,
  /\b(correct|right|proper|actual) (\w+ ){0,2}(is|was|should be|would be)\s*$/,
  /\bshould (be|have been)\s*$/,
  // "we will pay for the 48 rolls we got ($15,110.30)".
  /(\b(will|can|shall|would|then)|'ll) (only )?pay for [^.$!?]{1,50}[(:,–-]\s*$/,
];
// "the rest ($20,544.85) is approved".
const PAYABLE_AFTER = /^\s*\)?,?\s*(is|are|will be|has been|have been) (approved|fine|ok|okay|correct|undisputed|not (in )?disputed?|accepted|being paid|paid)\b/;
const CREDIT_SHOULD_BE = /\b(credit|refund|credit memo|credit note)\b[^.!?$]{0,30}\b(should|would|will) (be|come to|total)( for)?\s*$/;
const BASE_BEFORE = /\d+(?:\.\d+)?\s?% of\s*$/;
const PAID_BEFORE = /\b(paid|payment of|remitted|wired|sent|mailed)( you| us)?( the)?( full)?( amount of)?\s*$/;
const INVOICE_BEFORE = [
  /\b(invoice|inv|bill)\.?\s*(no\.?|#)?\s*[a-z]{0,5}[-\s]?\d{3,}\s*(\(|,|-|:|for|of|in the amount of|totaling|totalling|amount|with a (total|balance) of)?\s*\(?\s*$/,
  /\b(in the amount of|for the (full|total|entire) amount of|full amount of|invoice (total|amount)( of| is| was)?)\s*$/,
];
const CLAIM_BEFORE: [RegExp, number][] = [
  // Withholding is disputing: "we will not pay the remaining $5,144.66 until …".
  [/\b(will not|won't|cannot|can't|refuse to|are not going to|do not|don't) (release )?(pay|remit)( for)?( the)?( remaining| remainder| rest| balance| full| open| outstanding| unpaid)*( amount| balance)?( of)?\s*$|\b(are |we're |we are |will be |we'll |we will )?(withhold(ing)?|holding( back)?|hold( back)?|keep(ing)? back|retain(ing)?)( on to| onto)?( the)?( remaining| remainder| rest| balance| open| outstanding| unpaid)*( amount| balance)?( of)?\s*$/, 3],
  [/\b(dispute|disputes|disputed|disputing|contest|contests|contested|contesting|withhold|withholding|holding back|short[- ]pa(y|ying|id)( this invoice| the invoice| it)?( by)?|deduct|deducted|deducting|total disputed( amount)?( is| of)?|disputed amount( is| of)?)\s*$/, 3],
  [/\b(credit|credits|credited|refund|refunded|reimburse|reimbursement|rebate)( memo| note)?( [a-z]{1,4}-?\d+)?( us| me)?( (of|for|in the amount of|totaling|totalling|back)( the)?)?\s*$/, 2],
  // A credit document's own amount: "CM-000311 for $412.50", "Less credit memo CM-000311 (damaged pallets) -412.50".
  [/\b(cm|credit memo|credit note)[ #-]*([a-z]{1,4}-?)?\d{3,}( \([^()]{0,40}\))?( (for|of|totaling|totalling|in the amount of)( the)?)?\s*[-–:]?\s*$/, 2],
  [/\b(overcharge[ds]?|overbill(ed|ing)?|over-?charged|overpaid|overpayment|double[- ]billed)( us)?( (of|by|is|was|amount|totaling))*\s*$/, 2],
  [/\b(difference|discrepancy|variance)( (is|of|was|comes to|amounts to|totals))?\s*$/, 2],
  [/(\bby|=)\s*$/, 2],
  [/\b(total|totals|totaling|totalling|in total|total is|total of|comes to|amounts to|sum of)\s*$/, 2],
  [/\b(amount|charge|line)( \S+){1,4} (is|was)\s*$/, 2],
  [/\b(remove|reverse|waive|void|cancel|take off|strike)( the| this| that)?\s*$/, 2],
  [/\b(fee|charge|surcharge|penalty|tax|discount|freight|shipping|handling|interest|allowance)( line| amount| item)?( of| for| amounting to| totaling| totalling| in the amount of)?\s*$/, 1.5],
  [/\$[\d,.]+\s*(each|per \w+|ea)?\s*[(,]\s*$/, 1.5],
];
const CLAIM_AFTER: [RegExp, number][] = [
  [/^\s*(is |are )?(in dispute|disputed|under dispute)/, 3],
  [/^\s*\)?,?\s*(which|that) (we|i) (will not|won't|shall not|cannot|can't|do not|don't|refuse to|are not going to) (pay|accept)\b/, 3],
  [/^\s*(in total|total\b|lower|less\b|too (much|high)|more than (it|we) should|overcharge|difference|over\s*([.!,;]|$|the (quote|contract|agreed|agreement|bid|po)))/, 2],
  [/^\s*(of|in) (sales |use )?tax\b/, 1.5],
  [/^\s*(late|finance|freight|shipping|expedite\w*|delivery|handling|restocking|fuel)?\s*(fee|charge|surcharge)s?\b/, 1.5],
];
// A remittance or statement table: a header line of cells set apart by runs of spaces or tabs, one of them
// naming the contested money ("Deduction", "Short paid", "Disputed", "Withheld"). An amount in that column of a
// row below it (same number of cells) is the claim however bare its own words are: "INV 18299   17,606.75
// 440.17   17,166.58" under "Document   Inv. amount   Deduction   Paid".
const CELL_GAP = /\s{2,}|\t+/;
const CLAIM_COLUMN = /^(deduction|deductions|deducted|ded\.?|short[- ]?paid|short[- ]?payment|disputed( amount)?|amount disputed|withheld|held back|chargeback)$/i;
const CLAIM_SENTENCE = /\b(credit|refund|dispute|disputing|overcharg\w*|remove|reverse|deduct|short[- ]pa\w*)\b/;

// Amounts read from one text. Real disputes state a handful (the labeled corpora at most 5, a pasted statement
// a few dozen); the words around each cost a few dozen pattern tests, so a text of thousands of amounts stops
// here instead of taking seconds, and the resolver is not handed thousands of mentions to rank.
export const MAX_AMOUNTS = 100;

/** The money amounts in `text` (the first MAX_AMOUNTS), with their roles. */
export function findAmounts(raw: string): AmountMention[] {
  const out: AmountMention[] = [];
  // Swapping the separators keeps every offset, so spans still point into the original text.
  const swap = (n: string) => n.replace(/[.,]/g, (c) => (c === '.' ? ',' : '.'));
  let text = raw.replace(DECIMAL_COMMA, (_m, cur: string, n: string) => cur + swap(n)).replace(DECIMAL_COMMA_AFTER, swap);
  if (EUROPEAN.test(text)) text = text.replace(DECIMAL_COMMA_BARE, swap);
  const sentences = sentencesOf(text);
  const claimCells = claimColumnCells(text);
  let cell = 0;
  for (const m of matchAll(text, MONEY)) {
    if (out.length >= MAX_AMOUNTS) break;
    const whole = (m[1] ?? m[3] ?? m[5]!).replace(/,/g, '');
    const frac = m[2] ?? (m[4] ? `.${m[4]}` : '');
    // "$1.2k", "USD 15k": thousands, read only after a currency sign.
    const kilo = /^\s?k\b/i.exec(text.slice(m.index + m[0].length, m.index + m[0].length + 3));
    const thousands = kilo && /[$€£]|usd|cad|eur|gbp/i.test(m[0]) ? 1000 : 1;
    const value = Math.round(Number(whole + frac) * thousands * 100) / 100;
    if (!Number.isFinite(value)) continue;
    const start = m.index;
    const end = m.index + m[0].length + (thousands > 1 ? kilo![0].length : 0);
    const b = sentences.bounds(start, end);
    const before = text.slice(Math.max(b.start, start - 90), start).toLowerCase().replace(/\s+/g, ' ');
    const after = text.slice(end, Math.min(b.end, end + 50)).toLowerCase().replace(/\s+/g, ' ');
    const sentence = text.slice(b.start, b.end).replace(/\s+/g, ' ').trim();
    while (cell < claimCells.length && claimCells[cell]!.end <= start) cell++;
    const inClaimColumn = cell < claimCells.length && claimCells[cell]!.start <= start && end <= claimCells[cell]!.end;
    const role = inClaimColumn ? { role: 'claim' as const, cue: 3 } : roleOf(before, after, sentence.toLowerCase());
    out.push({ start, end, value, raw: text.slice(start, end), sentence, ...role });
  }
  const derived = priceDifference(text, out);
  if (derived && out.length < MAX_AMOUNTS) out.push(derived);
  return out;
}

// "billed @ $189/bucket, our PO has them at $164. 40 buckets.": two unit prices and one count of that unit
// state the contested money without writing it, (189 − 164) × 40 = 1,000.00 (the label conventions' "price
// difference × qty"). Derived only when nothing in the email is marked as the claim, the email names exactly
// two unit prices and exactly one count of the unit they are priced by.
const PER_UNIT = /^\s*(?:\/\s?|per |an? |each )([a-z]{3,12})\b/;
const COUNT = /\b(\d{1,3}(?:,\d{3}){1,2}|\d{1,6})\s+([a-z]{3,12})\b/gi;
function priceDifference(text: string, found: AmountMention[]): AmountMention | null {
  if (found.some((a) => a.cue >= 1.5)) return null;
  const units = found.filter((a) => a.role === 'unit');
  const prices = [...new Set(units.map((a) => a.value))];
  if (prices.length !== 2) return null;
  const nouns = new Set(units.map((a) => PER_UNIT.exec(text.slice(a.end, a.end + 20).toLowerCase())?.[1]).filter((n): n is string => !!n));
  if (nouns.size !== 1) return null;
  const noun = [...nouns][0]!;
  const counts = [...text.matchAll(COUNT)].filter((m) => [noun, `${noun}s`, `${noun}es`].includes(m[2]!.toLowerCase()));
  if (counts.length !== 1) return null;
  const m = counts[0]!;
  const qty = Number(m[1]!.replace(/,/g, ''));
  const value = Math.round(Math.abs(prices[0]! - prices[1]!) * qty * 100) / 100;
  if (!(value > 0)) return null;
  const [hi, lo] = prices[0]! > prices[1]! ? [prices[0]!, prices[1]!] : [prices[1]!, prices[0]!];
  return { start: m.index, end: m.index + m[0].length, value, raw: m[0], role: 'claim', cue: 1.5, sentence: `(${hi} − ${lo}) × ${qty} ${m[2]}` };
}

// The cells (in text order) of the claim column of each table in `text`: one pass over its lines.
function claimColumnCells(text: string): Span[] {
  const out: Span[] = [];
  let column = -1; // the claim column's index in the current table, -1 outside one
  let width = 0; // the header's number of cells
  let at = 0;
  for (const line of text.split('\n')) {
    const cells = cellsOf(line, at);
    if (cells.length < 3) column = -1;
    else if (column >= 0 && cells.length === width) out.push(cells[column]!);
    else {
      column = cells.findIndex((c) => CLAIM_COLUMN.test(text.slice(c.start, c.end)));
      width = cells.length;
    }
    at += line.length + 1;
  }
  return out;
}

function cellsOf(line: string, offset: number): Span[] {
  const cells: Span[] = [];
  const gap = new RegExp(CELL_GAP.source, 'g');
  let from = 0;
  const push = (s: number, e: number) => {
    const lead = line.slice(s, e).search(/\S/);
    if (lead >= 0) cells.push({ start: offset + s + lead, end: offset + s + line.slice(s, e).trimEnd().length });
  };
  for (const m of line.matchAll(gap)) {
    push(from, m.index);
    from = m.index + m[0].length;
  }
  push(from, line.length);
  return cells;
}

function roleOf(before: string, after: string, sentence: string): { role: AmountRole; cue: number } {
  const afterCue = Math.max(0, ...CLAIM_AFTER.filter(([re]) => re.test(after)).map(([, w]) => w));
  // "should be $448.00 lower" or "$801.00 in total" say more than the words before them.
  if (afterCue >= 2) return { role: 'claim', cue: afterCue };
  if (UNIT_AFTER.test(after) || UNIT_BEFORE.some((re) => re.test(before))) return { role: 'unit', cue: 0 };
  const withheld = CLAIM_BEFORE[0]![0].test(before);
  if (withheld) return { role: 'claim', cue: CLAIM_BEFORE[0]![1] };
  // What the credit should be is the credit asked for, not a corrected figure: "the credit … it should be $540.00".
  if (CREDIT_SHOULD_BE.test(before)) return { role: 'claim', cue: 2 };
  if (BASE_BEFORE.test(before)) return { role: 'base', cue: 0 };
  if (PAYABLE_BEFORE.some((re) => re.test(before)) || PAYABLE_AFTER.test(after)) return { role: 'payable', cue: 0 };
  const beforeCue = Math.max(0, ...CLAIM_BEFORE.filter(([re]) => re.test(before)).map(([, w]) => w));
  const cue = Math.max(beforeCue, afterCue);
  if (cue > 0) return { role: 'claim', cue };
  if (INVOICE_BEFORE.some((re) => re.test(before))) return { role: 'invoice', cue: 0 };
  if (PAID_BEFORE.test(before)) return { role: 'paid', cue: 0 };
  return { role: 'plain', cue: CLAIM_SENTENCE.test(sentence) ? 1 : 0 };
}
