// Phrase families: a reason said as a few ideas in order within one clause, whatever the exact words.
// "we never got the stuff", "the material has not arrive", "nothing from this order showed up" are one
// family (a negation, a receiving verb, a goods noun) instead of three regexes. Families read the clauses
// of the one NLP pass (nlp.ts) and compare words by wink-nlp's lemma or stem, so tense, plurals and
// non-native grammar do not matter unless a concept asks for an exact form ("=wired" keeps "we wired it"
// apart from "we will wire it").
import type { ReasonCode } from '../types.ts';
import { normalizePhrase, type Reading, type Token } from './nlp.ts';
import { CONCEPT_WORDS, vocabularyEntries } from './vocabulary.ts';


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

// A word of a concept as the pass sees it: compared by lemma or stem, or (`=word`) by its exact form.
interface Word {
  text: string;
  lemma: string;
  stem: string;
  exact: boolean;
}

// Concept entries by their first word — its lemma, its stem, or (`=word`) its exact form, a map each, so a
// token's look-ups use its own strings as keys — so one pass over a clause finds them all. Built from the
// vocabulary on first use.
type ConceptEntry = { concept: string; words: Word[] };
interface FirstWords {
  lemma: Map<string, ConceptEntry[]>;
  stem: Map<string, ConceptEntry[]>;
  exact: Map<string, ConceptEntry[]>;
}
let byFirstWord: FirstWords | null = null;
function compile(): FirstWords {
  const out: FirstWords = { lemma: new Map(), stem: new Map(), exact: new Map() };
  const add = (map: Map<string, ConceptEntry[]>, key: string, e: ConceptEntry) => {
    const list = map.get(key);
    if (!list) map.set(key, [e]);
    else if (!list.includes(e)) list.push(e);
  };
  for (const [concept, phrases] of vocabularyEntries(CONCEPT_WORDS)) {
    for (const p of phrases) {
      const exact = p.startsWith('=');
      const words = normalizePhrase(exact ? p.slice(1) : p).map((w) => Object.assign({}, w, { exact }));
      if (!words.length) continue;
      const e = { concept, words };
      if (exact) add(out.exact, words[0]!.text, e);
      else {
        add(out.lemma, words[0]!.lemma, e);
        add(out.stem, words[0]!.stem, e);
      }
    }
  }
  return out;
}

const same = (t: Token, w: Word) => (w.exact ? t.text === w.text : t.lemma === w.lemma || t.stem === w.stem);

interface Occurrences {
  tokens: Token[];
  /** Token ranges [start, end) where each concept occurs, in order of start. */
  occurrences: Map<string, [number, number][]>;
}

// Plain loops: this runs for every word of every clause, and callbacks created here would cost more than the
// comparisons themselves in a long text.
function occurrencesIn(tokens: Token[]): Map<string, [number, number][]> {
  const vocab = (byFirstWord ??= compile());
  const out = new Map<string, [number, number][]>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    for (let l = 0; l < 3; l++) {
      const candidates = l === 0 ? vocab.lemma.get(t.lemma) : l === 1 ? vocab.stem.get(t.stem) : vocab.exact.get(t.text);
      if (!candidates) continue;
      for (const { concept, words } of candidates) {
        const n = words.length;
        if (i + n > tokens.length) continue;
        let k = 0;
        while (k < n && same(tokens[i + k]!, words[k]!)) k++;
        if (k < n) continue;
        let list = out.get(concept);
        if (!list) out.set(concept, (list = []));
        // One entry reached by lemma and by stem is one occurrence.
        const last = list[list.length - 1];
        if (!last || last[0] !== i || last[1] !== i + n) list.push([i, i + n]);
      }
    }
  }
  // Found out of order when one token starts entries of several lengths: keep each list sorted by start.
  for (const list of out.values()) list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
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

function matchFamily(clause: Occurrences, f: Family): boolean {
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
  clause: string;
}

/** Every family found in a text read by the pass (nlp.ts), once per family, at its first clause. */
export function familyHits(reading: Reading): FamilyHit[] {
  const out: FamilyHit[] = [];
  // The clauses each concept occurs in, in order: a family is tried only where its first concept is, not in
  // every clause of a long text.
  const withConcept = new Map<string, Occurrences[]>();
  for (const c of reading.clauses) {
    const o = { tokens: c.tokens, occurrences: occurrencesIn(c.tokens) };
    for (const concept of o.occurrences.keys()) {
      let list = withConcept.get(concept);
      if (!list) withConcept.set(concept, (list = []));
      list.push(o);
    }
  }
  for (const [id, f] of FAMILIES.entries()) {
    const hit = withConcept.get(f.slots[0]!)?.find((c) => matchFamily(c, f))?.tokens;
    if (hit) out.push({ id, code: f.code, weight: f.w, clause: hit.map((t) => t.text).join(' ') });
  }
  return out;
}
