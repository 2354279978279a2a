// Phrase families: a reason said as a few ideas in order within one clause, whatever the exact words.
// "we never got the stuff", "the material has not arrive", "nothing from this order showed up" are one
// family (a negation, a receiving verb, a goods noun) instead of three regexes. Words are compared by
// stem (lexicon.ts), so tense, plurals and non-native grammar do not matter unless a concept asks for an
// exact form ("=wired" keeps "we wired it" apart from "we will wire it").
import type { ReasonCode } from '../types.ts';
import { stem } from './lexicon.ts';

const CONCEPT_WORDS: Record<string, string> = {
  NEG: 'not never no nothing nobody none neither nor without',
  NOBODY: 'nobody noone|no one|not anyone|not a single person',
  GET: 'get receive arrive come show turn reach land appear see|make it',
  ARRIVE: 'arrive show come deliver land reach turn|make it',
  GOODS: 'goods stuff order shipment delivery deliveries material item product products parts package parcel pallet pallets box carton cartons merchandise equipment supplies load truck',
  INVOICE: 'invoice invoices =bill =bills pdf copy statement',
  PERSON: 'tech technician engineer installer crew consultant trainer contractor inspector electrician plumber mechanic cleaner team guy guys someone anyone staff worker workers',
  VISIT: 'show come visit arrive attend turn appear|made it',
  NOSHOW: 'noshow|no show|no-show',
  WE: 'we i',
  // "paid" itself is left to the rules: "we paid both" or "we paid it by mistake" is background as often as a claim.
  PAYPAST: '=wired =remitted =settled =mailed =transferred',
  // "check" only as a noun ("please check if it was sent" is a verb).
  PAYNOUN: 'payment cheque wire ach transfer remittance fund funds eft|our check|the check|a check|my check|check number|check no',
  CARD: 'card visa amex mastercard',
  CHARGEDX: '=charged =debited =billed =run',
  MOVED: '=mailed =sent =wired =issued =cleared =cashed =deposited =processed =released =submitted =transferred =debited =initiated =left|go out|go through',
  CREDIT: 'credit refund memo adjustment',
  SEE: 'see get receive notice find',
  APPLY: 'apply net offset deduct post|take off|knock off',
  COMEOFF: 'deducted netted applied posted|come off|taken off|came off|gone off|knocked off',
  BALANCE: 'balance invoice statement account',
  WHERE: 'where|what happened to',
  TWICE: 'twice double again repeat duplicate|two time|2 time|second time',
  CHARGE: 'charge bill invoice',
  PROMISE: 'promise agree offer quote commit guarantee tell say confirm',
  DEAL: 'discount rebate promo promotion deal markdown|percent off|off list',
  UNTIL: 'until till til',
  ASK: 'ask request order need want choose authorize approve agree select',
  SPEED: 'overnight expedite expedited rush express priority|next day|next-day|2 day|second day|air',
  PRICE: 'price prices pricing rate rates cost costs',
  RAISE: 'raise increase hike jump|go up|went up',
  OMIT: 'forget miss neglect fail omit',
  TAKEOFF: 'deduct apply give include honor honour|take off|knock off|take the',
  PCT: 'percent discount rebate allowance',
  TAXWORD: 'tax taxes vat gst hst',
  PAYV: 'pay charg bill',
  REISSUE: 'reissue resubmit revise amend redo correct fix|re issue|re submit',
  PONOUN: 'po|purchase order|p o',
  WRONG: 'wrong incorrect different',
  ENTITY: 'company entity department division subsidiary branch|legal name|company name|bill to|business unit|cost center',
  BLOCKPAY: 'invoice payment credit refund bill statement copy pdf',
  // "nothing shows on the invoice" is about the invoice's content, not a missing invoice.
  ON: 'on',
};

// Each family: its reason, weight (as rules: 3 outright, 2 strong, 1.5 hint), the concepts in order,
// the most tokens allowed between two of them, and concepts whose appearance between them breaks it.
interface Family {
  code: ReasonCode;
  w: number;
  slots: string[];
  gap?: number;
  block?: string[];
}

const FAMILIES: Family[] = [
  { code: 'NRC', w: 2.5, slots: ['NEG', 'GET', 'GOODS'], gap: 4, block: ['BLOCKPAY', 'PERSON'] },
  { code: 'NRC', w: 2.5, slots: ['GOODS', 'NEG', 'ARRIVE'], gap: 3, block: ['BLOCKPAY', 'PERSON'] },
  { code: 'NRC', w: 1.5, slots: ['UNTIL', 'ARRIVE'], gap: 3, block: ['BLOCKPAY', 'PERSON'] },
  { code: 'SNR', w: 3, slots: ['PERSON', 'NEG', 'VISIT'], gap: 2 },
  { code: 'SNR', w: 3, slots: ['NOBODY', 'VISIT'], gap: 5, block: ['GOODS', 'INVOICE'] },
  { code: 'SNR', w: 2.5, slots: ['NOSHOW'] },
  { code: 'PAID', w: 1.5, slots: ['WE', 'PAYPAST'], gap: 2 },
  { code: 'PAID', w: 2, slots: ['PAYNOUN', 'MOVED'], gap: 6 },
  { code: 'PAID', w: 2, slots: ['CARD', 'CHARGEDX'], gap: 3 },
  { code: 'CRN', w: 2.5, slots: ['WHERE', 'CREDIT'], gap: 3 },
  { code: 'CRN', w: 2, slots: ['APPLY', 'CREDIT'], gap: 3 },
  { code: 'CRN', w: 3, slots: ['NEG', 'SEE', 'CREDIT'], gap: 3 },
  { code: 'CRN', w: 2, slots: ['NEG', 'COMEOFF', 'BALANCE'], gap: 3 },
  { code: 'DUP', w: 3, slots: ['CHARGE', 'TWICE'], gap: 3, block: ['NEG'] },
  { code: 'DSC', w: 2.5, slots: ['PROMISE', 'DEAL'], gap: 5 },
  { code: 'PRC', w: 2.5, slots: ['RAISE', 'PRICE'], gap: 3, block: ['TAXWORD'] },
  { code: 'PRC', w: 2.5, slots: ['PRICE', 'RAISE'], gap: 3, block: ['TAXWORD'] },
  { code: 'DSC', w: 2.5, slots: ['OMIT', 'TAKEOFF', 'PCT'], gap: 4 },
  { code: 'CRN', w: 2.5, slots: ['PROMISE', 'CREDIT'], gap: 4 },
  { code: 'TAX', w: 2.5, slots: ['NEG', 'PAYV', 'TAXWORD'], gap: 3 },
  { code: 'PO', w: 2.5, slots: ['REISSUE', 'PONOUN'], gap: 4 },
  { code: 'PO', w: 3, slots: ['PONOUN', 'NEG', 'INVOICE'], gap: 4 },
  { code: 'PO', w: 2.5, slots: ['WRONG', 'ENTITY'], gap: 2 },
  { code: 'NOI', w: 3, slots: ['NEG', 'GET', 'INVOICE'], gap: 3, block: ['GOODS', 'ON'] },
  { code: 'FRT', w: 2.5, slots: ['NEG', 'ASK', 'SPEED'], gap: 4 },
];

const NEGATIVE = new Set(['NEG', 'NOBODY', 'NOSHOW']);

interface Entry {
  words: string[];
  exact: boolean[];
}
const CONCEPTS = new Map<string, Entry[]>(
  Object.entries(CONCEPT_WORDS).map(([name, spec]) => {
    // Space separates single-word entries; '|' starts the multi-word ones.
    const [single = '', ...multi] = spec.split('|');
    const entries = [...single.split(/\s+/).filter(Boolean).map((w) => [w]), ...multi.map((m) => m.trim().split(/[\s-]+/))];
    return [name, entries.map((ws) => ({ words: ws.map((w) => (w.startsWith('=') ? w.slice(1) : stem(w))), exact: ws.map((w) => w.startsWith('=')) }))];
  }),
);

interface Token {
  raw: string;
  stem: string;
  at: number;
}

const CONTRACTIONS: [RegExp, string][] = [
  [/\b(won)'t\b/gi, 'will not'], [/\b(can)'t\b/gi, 'can not'], [/n't\b/gi, ' not'], [/'ll\b/gi, ' will'], [/'re\b/gi, ' are'],
  [/'ve\b/gi, ' have'], [/'s\b/gi, ''], [/'d\b/gi, ' would'], [/%/g, ' percent'],
];

// A clause ends at sentence punctuation, a comma before a space, a dash between spaces, or "and"/"but".
const CLAUSE_END = /[.!?;:,](?=\s|$)|\n|\s-+\s|\s(?:and|but)\s/gi;

/** Clauses of `text` as stemmed tokens with their offsets. Contractions are expanded first. */
function clauses(text: string): Token[][] {
  const out: Token[][] = [];
  const pieces: { text: string; at: number }[] = [];
  let start = 0;
  for (const m of text.matchAll(CLAUSE_END)) {
    pieces.push({ text: text.slice(start, m.index), at: start });
    start = m.index! + m[0].length;
  }
  pieces.push({ text: text.slice(start), at: start });
  for (const m of pieces) {
    let chunk = m.text;
    for (const [re, to] of CONTRACTIONS) chunk = chunk.replace(re, to);
    const tokens: Token[] = [];
    for (const t of chunk.matchAll(/[a-z]+|\d+/gi)) tokens.push({ raw: t[0].toLowerCase(), stem: stem(t[0]), at: m.at });
    if (tokens.length) out.push(tokens);
  }
  return out;
}

// Occurrences per clause and concept, computed once: the families share most concepts.
const seen = new WeakMap<Token[], Map<string, [number, number][]>>();

/** Token ranges [start, end) where `concept` occurs in the clause. */
function occurrences(tokens: Token[], concept: string): [number, number][] {
  let cache = seen.get(tokens);
  if (!cache) seen.set(tokens, (cache = new Map()));
  const known = cache.get(concept);
  if (known) return known;
  const out: [number, number][] = [];
  cache.set(concept, out);
  const entries = CONCEPTS.get(concept)!;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    for (const e of entries) {
      if (e.words[0] !== (e.exact[0] ? t.raw : t.stem)) continue;
      const n = e.words.length;
      if (i + n > tokens.length) continue;
      if (e.words.every((w, k) => (e.exact[k] ? tokens[i + k]!.raw === w : tokens[i + k]!.stem === w))) out.push([i, i + n]);
    }
  }
  return out;
}

function matchFamily(tokens: Token[], f: Family): boolean {
  const gap = f.gap ?? 4;
  const occ = f.slots.map((s) => occurrences(tokens, s));
  // Families that carry their own negation ("nobody came") are not turned around by it.
  const negs = f.slots.some((s) => NEGATIVE.has(s)) ? [] : occurrences(tokens, 'NEG').map(([s]) => s);
  const blocks = (f.block ?? []).flatMap((b) => occurrences(tokens, b).map(([s]) => s));
  const walk = (slot: number, from: number, first: number): boolean => {
    if (slot === f.slots.length) {
      // A negation just before or inside the match turns it around ("we have not paid").
      return !negs.some((n) => n >= first - 3 && n < from) && !blocks.some((b) => b > first && b < from - 1);
    }
    return occ[slot]!.some(([s, e]) => (slot === 0 || (s >= from && s - from <= gap)) && walk(slot + 1, e, slot === 0 ? s : first));
  };
  return walk(0, 0, 0);
}

export interface FamilyHit {
  /** Which family (its place in the list), so a family counts once per email. */
  id: number;
  code: ReasonCode;
  weight: number;
  index: number;
  clause: string;
}

/** Every family found in `text`, once per family, at its first clause. */
export function familyHits(text: string): FamilyHit[] {
  const out: FamilyHit[] = [];
  const all = clauses(text);
  for (const [id, f] of FAMILIES.entries()) {
    const hit = all.find((tokens) => matchFamily(tokens, f));
    if (hit) out.push({ id, code: f.code, weight: f.w, index: hit[0]!.at, clause: hit.map((t) => t.raw).join(' ') });
  }
  return out;
}
