// Worst-case emails for the readers. Customer emails are written by outsiders, so each family repeats what
// one reader is sensitive to (money signs, digit groups, invoice labels, whitespace after a label, quote
// lines, closings, phrase words, …) up to a given length. tests/dispute/linear.test.ts proves that reading
// them stays linear; bench/readers.ts times them at the limits of server/schemas.ts.
import type { ExtractInput } from '../../../dispute/extract.ts';
import { REASON_CODES, type Extraction } from '../../../dispute/types.ts';
import { seededRandom } from '../../helpers/random.ts';

/** The longest texts the triage event accepts (server/schemas.ts). */
export const LIMITS = { body: 200_000, reason_text: 20_000, subject: 2_000, from: 320 } as const;

export interface HostileFamily {
  name: string;
  /** A body of exactly `n` characters. */
  body: (n: number) => string;
}

/** `unit` repeated to exactly `n` characters. */
export const fill = (unit: string, n: number): string => (n <= 0 ? '' : unit.repeat(Math.ceil(n / unit.length)).slice(0, n));
/** `head`, then `unit` repeated, then `tail`: `n` characters in all. */
const wall = (head: string, unit: string, tail = '') => (n: number) => head + fill(unit, n - head.length - tail.length) + tail;
const rep = (unit: string) => (n: number) => fill(unit, n);

const FORWARD = 'See below.\n\n---------- Forwarded message ---------\nFrom: ';

export const FAMILIES: HostileFamily[] = [
  { name: 'money "$1,"', body: rep('$1,') },
  { name: 'digit groups "1,"', body: rep('1,') },
  { name: 'thousands "1,000,000,…"', body: wall('1', ',000') },
  { name: 'decimal points "1.1.1"', body: rep('1.') },
  { name: 'European groups "1.000.000,…"', body: wall('1', '.000') },
  { name: 'decimal commas "12,34"', body: rep('12,34') },
  { name: 'one long number', body: rep('1') },
  { name: 'amounts with roles', body: rep('we dispute $1,264.00 each; ') },
  { name: '"INV-"', body: rep('INV-') },
  { name: 'invoice numbers "INV-004138"', body: rep('INV-004138 ') },
  { name: '"#"', body: rep('#') },
  { name: '"#4138"', body: rep('#4138 ') },
  { name: '"invoice "', body: rep('invoice ') },
  { name: 'invoice list "invoice 4138, 4139, …"', body: wall('invoice 4138', ', 4139') },
  { name: 'whitespace after "invoice"', body: wall('invoice', ' ', 'x') },
  { name: 'whitespace after a list comma', body: wall('invoice 4138,', ' ', 'x') },
  { name: 'whitespace after "PO"', body: wall('po', ' ', 'x') },
  { name: 'whitespace after "check"', body: wall('check', ' ', 'x') },
  { name: 'whitespace after "inv no"', body: wall('5 boxes only 4 inv no', ' ', 'x') },
  { name: 'whitespace after "void"', body: wall('void', ' ', 'x') },
  { name: 'payment references', body: rep('CHK 123456 ') },
  { name: 'PO numbers', body: rep('PO 77023 ') },
  { name: 'whitespace', body: rep(' \t ') },
  { name: 'newlines', body: rep('\n') },
  { name: 'quote lines', body: rep('> a\nx\n') },
  { name: '"On … wrote:" over a long line', body: wall('Paid.\nOn Mon, Nov 3\n', 'x') },
  { name: 'many "On …" lines', body: rep('On Mon\nx\n') },
  { name: '"-----Original Message-----"', body: rep('-----Original Message-----\n') },
  { name: 'Outlook headers', body: rep('From: a\nSent: b\n') },
  { name: 'closing lines', body: rep('Thanks\n') },
  { name: 'forwarded "From: [[["', body: wall(FORWARD, '[') },
  { name: 'forwarded "From: aaa"', body: wall(FORWARD, 'a') },
  { name: 'forwarded "From: "x"    "', body: wall(`${FORWARD}"x"`, ' ', '\nDate: today') },
  { name: 'long word', body: rep('a') },
  { name: 'long domain word', body: rep('invoice') },
  { name: 'dots', body: rep('.') },
  { name: 'dashes', body: wall('x', '-', 'x') },
  { name: 'punctuation', body: rep('!?,;:\'"()[]/') },
  { name: 'unicode', body: rep('€\u00a0—“”\u200b😀é') },
  { name: 'negated phrases "not get"', body: rep('not get ') },
  { name: 'negated rule words "no price"', body: rep('no price ') },
  { name: 'dampened rule words "wrong price … tax"', body: wall('', 'wrong price ', ' tax') },
  { name: 'counts "1 box"', body: rep('1 box 2 ') },
  { name: 'unit prices "$1/ea"', body: rep('$1/ea $2/ea ') },
  { name: 'mixed tokens', body: (n) => mixed(n, 7) },
];

/** Tokens the readers react to (mixed() shuffles them with a seeded generator, so a failure can be replayed). */
export const TOKENS = [
  '$1,', '1,', '1.', '1', ' ', '\n', '> ', 'INV-', '#', 'invoice ', 'po ', 'check ', 'On Mon ', 'wrote:', '-----Original Message-----',
  'Thanks', 'From: ', '[', '"', 'a', 'not ', 'get ', 'price ', 'tax ', 'credit ', 'USD ', '€', '—', '.', '-', ',', '%', 'x ', 'each ',
  'constructor ', '__proto__ ', 'toString ',
];


/** `n` characters of reader tokens in runs (a token repeated a few times, then another). */
export function mixed(n: number, seed: number): string {
  const rnd = seededRandom(seed);
  let s = '';
  while (s.length < n) s += TOKENS[Math.floor(rnd() * TOKENS.length)]!.repeat(1 + Math.floor(rnd() * 8));
  return s.slice(0, n);
}

/**
 * The triage event for one family: the body at `n` characters, and the subject, the triage summary and the
 * sender written the same way, in proportion up to their own limits (so every text grows with `n`).
 */
export function hostileInput(f: HostileFamily, n: number): ExtractInput {
  const scale = n / LIMITS.body;
  return {
    email: {
      from: `${f.body(Math.round(LIMITS.from * scale) - 22)} <ap@customer.example>`,
      to: 'ar@northwind-supply.example',
      subject: `RE: ${f.body(Math.round(LIMITS.subject * scale) - 4)}`,
      body: f.body(n),
    },
    reason_text: f.body(Math.round(LIMITS.reason_text * scale)) || 'dispute',
    invoice_ref: null,
  };
}

/** The same text as the triage summary of an event without an email (the summary is then read as the body). */
export function summaryOnlyInput(f: HostileFamily, n: number): ExtractInput {
  return { email: null, reason_text: f.body(n) || 'dispute', invoice_ref: null };
}

/** What is wrong with an extraction's shape (nothing, for a normal one): the checks every hostile test shares. */
export function problemsOf(x: Extraction): string[] {
  const problems: string[] = [];
  const text = (v: unknown) => typeof v === 'string';
  if (!REASON_CODES.includes(x.reason_code)) problems.push(`reason_code ${String(x.reason_code)}`);
  if (!x.secondary_reasons.every((c) => REASON_CODES.includes(c))) problems.push('secondary_reasons');
  if (!(x.customer_id === null || Number.isInteger(x.customer_id))) problems.push('customer_id');
  if (!(x.invoice_ref === null || text(x.invoice_ref))) problems.push('invoice_ref');
  if (!(x.disputed_amount === null || Number.isFinite(x.disputed_amount))) problems.push('disputed_amount');
  if (!(x.po_number === null || text(x.po_number))) problems.push('po_number');
  if (!x.payment_refs.every(text) || !x.warnings.every(text)) problems.push('payment_refs or warnings');
  for (const [field, c] of Object.entries(x.confidence)) if (!(c >= 0 && c <= 1)) problems.push(`confidence.${field}`);
  for (const [field, e] of Object.entries(x.evidence)) if (!text(e)) problems.push(`evidence.${field}`);
  return problems;
}
