// Phrase families: a reason said as a few ideas in order within one clause, whatever the exact words.
// "we never got the stuff", "the material has not arrive", "nothing from this order showed up" are one
// family (a negation, a receiving verb, a goods noun) instead of three regexes. Words are compared by
// stem (lexicon.ts), so tense, plurals and non-native grammar do not matter unless a concept asks for an
// exact form ("=wired" keeps "we wired it" apart from "we will wire it").
import type { ReasonCode } from '../types.ts';
import { stem } from './lexicon.ts';
import { CONCEPT_WORDS } from './vocabulary.ts';


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

// Concept entries by their first word ("=word" for an exact form), so one pass over a clause finds them all.
const BY_FIRST_WORD = new Map<string, { concept: string; entry: Entry }[]>();
for (const [concept, entries] of CONCEPTS) {
  for (const entry of entries) {
    const key = (entry.exact[0] ? '=' : '') + entry.words[0]!;
    BY_FIRST_WORD.set(key, [...(BY_FIRST_WORD.get(key) ?? []), { concept, entry }]);
  }
}

interface Token {
  raw: string;
  stem: string;
  at: number;
}

interface Clause {
  tokens: Token[];
  /** Token ranges [start, end) where each concept occurs, in order of start. */
  occurrences: Map<string, [number, number][]>;
}

const CONTRACTIONS: [RegExp, string][] = [
  [/\b(won)'t\b/gi, 'will not'], [/\b(can)'t\b/gi, 'can not'], [/n't\b/gi, ' not'], [/'ll\b/gi, ' will'], [/'re\b/gi, ' are'],
  [/'ve\b/gi, ' have'], [/'s\b/gi, ''], [/'d\b/gi, ' would'], [/%/g, ' percent'],
];

// A clause ends at sentence punctuation, a comma before a space, a dash between spaces, or "and"/"but".
const CLAUSE_END = /[.!?;:,](?=\s|$)|\n|\s-+\s|\s(?:and|but)\s/gi;

/** Clauses of `text` as stemmed tokens with their offsets and concepts. Contractions are expanded first. */
function clauses(text: string): Clause[] {
  const out: Clause[] = [];
  const pieces: { text: string; at: number }[] = [];
  let start = 0;
  for (const m of text.matchAll(CLAUSE_END)) {
    pieces.push({ text: text.slice(start, m.index), at: start });
    start = m.index! + m[0].length;
  }
  pieces.push({ text: text.slice(start), at: start });
  // A long text repeats its words: each is stemmed once.
  const stems = new Map<string, string>();
  for (const m of pieces) {
    let chunk = m.text;
    // Every contraction has an apostrophe or a percent sign; most clauses have neither.
    if (/['%]/.test(chunk)) for (const [re, to] of CONTRACTIONS) chunk = chunk.replace(re, to);
    const tokens: Token[] = [];
    for (const t of chunk.matchAll(/[a-z]+|\d+/gi)) {
      const raw = t[0].toLowerCase();
      let st = stems.get(raw);
      if (st === undefined) stems.set(raw, (st = stem(raw)));
      tokens.push({ raw, stem: st, at: m.at });
    }
    if (tokens.length) out.push({ tokens, occurrences: occurrencesIn(tokens) });
  }
  return out;
}

const NO_OCCURRENCES = new Map<string, [number, number][]>();

// Plain loops: this runs for every word of every clause, and callbacks created here would cost more than the
// comparisons themselves in a long text.
function occurrencesIn(tokens: Token[]): Map<string, [number, number][]> {
  let out = NO_OCCURRENCES;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    for (const candidates of [BY_FIRST_WORD.get(t.stem), BY_FIRST_WORD.get(`=${t.raw}`)]) {
      if (!candidates) continue;
      for (const { concept, entry: e } of candidates) {
        const n = e.words.length;
        if (i + n > tokens.length) continue;
        let k = 1;
        while (k < n && e.words[k] === (e.exact[k] ? tokens[i + k]!.raw : tokens[i + k]!.stem)) k++;
        if (k < n) continue;
        if (out === NO_OCCURRENCES) out = new Map();
        let list = out.get(concept);
        if (!list) out.set(concept, (list = []));
        list.push([i, i + n]);
      }
    }
  }
  return out;
}

const NONE: [number, number][] = [];

/** The first index below `n` for which `past` holds (it is false up to some index and true from there), or `n`. */
function firstIndex(n: number, past: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
/** Whether the sorted `xs` holds a value in [from, to). */
const anyIn = (xs: number[], from: number, to: number) => {
  const i = firstIndex(xs.length, (k) => xs[k]! >= from);
  return i < xs.length && xs[i]! < to;
};

function matchFamily(clause: Clause, f: Family): boolean {
  // Most clauses lack one of the concepts: say so before building anything.
  for (const s of f.slots) if (!clause.occurrences.has(s)) return false;
  const gap = f.gap ?? 4;
  const occ = f.slots.map((s) => clause.occurrences.get(s)!);
  const startsOf = (concepts: string[]) => concepts.flatMap((c) => (clause.occurrences.get(c) ?? NONE).map(([s]) => s)).sort((a, b) => a - b);
  // Families that carry their own negation ("nobody came") are not turned around by it.
  const negs = f.slots.some((s) => NEGATIVE.has(s)) ? [] : startsOf(['NEG']);
  const blocks = startsOf(f.block ?? []);
  // Each slot looks only at the occurrences within `gap` tokens of the previous one (a binary search into
  // the sorted list), so a clause of thousands of repeated concept words is walked in linear time.
  const walk = (slot: number, from: number, first: number): boolean => {
    if (slot === f.slots.length) {
      // A negation just before or inside the match turns it around ("we have not paid").
      return !anyIn(negs, first - 3, from) && !anyIn(blocks, first + 1, from - 1);
    }
    const list = occ[slot]!;
    if (slot === 0) return list.some(([s, e]) => walk(1, e, s));
    for (let k = firstIndex(list.length, (i) => list[i]![0] >= from); k < list.length && list[k]![0] - from <= gap; k++) {
      if (walk(slot + 1, list[k]![1], first)) return true;
    }
    return false;
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
  // The clauses each concept occurs in, in order: a family is tried only where its first concept is, not in
  // every clause of a long text.
  const withConcept = new Map<string, Clause[]>();
  for (const c of all) {
    for (const concept of c.occurrences.keys()) {
      let list = withConcept.get(concept);
      if (!list) withConcept.set(concept, (list = []));
      list.push(c);
    }
  }
  for (const [id, f] of FAMILIES.entries()) {
    const hit = withConcept.get(f.slots[0]!)?.find((c) => matchFamily(c, f))?.tokens;
    if (hit) out.push({ id, code: f.code, weight: f.w, index: hit[0]!.at, clause: hit.map((t) => t.raw).join(' ') });
  }
  return out;
}
