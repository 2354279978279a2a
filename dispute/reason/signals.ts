// What the reason model reads in an email: sparse named features, each worth 1. Three kinds —
//   * the phrase rules (rules/), phrase families (families.ts) and structural signals (features.ts), each
//     one feature when it fires ("r:PRC:3", "f:12", "x:QTY"): evidence, not verdicts; the model learns
//     how much each is worth and when another outweighs it;
//   * words of the one NLP pass (nlp.ts): lemmas and lemma pairs of a clause, marked when negated ("n:")
//     or quoted ('q:'), and the subject's lemmas apart ("s:");
//   * concepts of the vocabulary (vocabulary.ts) found in a clause, negated or quoted, and each pair of
//     concepts met in one clause ("cc:DAMAGE+GOODS") — how "the pallets came crushed" and "half the
//     crates were smashed" meet without a rule for either.
// Every lookup keyed by customers' words goes through a Map (no word can reach Object.prototype), and each
// part is linear in the text: a clause adds at most MAX_CONCEPTS² concept pairs.
import { normalizePhrase, readText, type Clause, type Reading, type Token } from './nlp.ts';
import { CONCEPT_WORDS, TOPIC_WORDS, vocabularyEntries } from './vocabulary.ts';

export interface SignalInput {
  /** The texts as read by the one NLP pass (nlp.ts readText), or as strings to read here. */
  subject: string | Reading;
  body: string | Reading;
  /** A forwarded message: its concepts count when the sender's own words are few. */
  fallback?: string | Reading | null;
  hints?: { payment_refs?: number; credit_memos?: number; distinct_invoices?: number };
  /** The rule-side features of the same text (classify.ts ruleSignals). */
  rules?: string[];
}

// Function words that carry no reason. Negation words stay out too: the negation is carried by the mark
// on the words it governs ("n:receive").
const STOP = new Set(
  `a an the and or but if so to of in on at by for from with as into about than then there here this that these those
  it its we our ours us you your yours they their them he she his her i me my be have do will would could should can
  may might shall please hi hello dear thanks thank regards best kind team sir madam just also any some all up out
  what which who whom when where how why let get know like see look one not no never n't`.split(/\s+/).filter(Boolean),
);
const MAX_CONCEPTS = 24;
const read = (x: string | Reading): Reading => (typeof x === 'string' ? readText(x) : x);

interface Entry {
  concept: string;
  words: { lemma: string; stem: string }[];
}

// Vocabulary entries by their first word's lemma and by its stem: two maps, so a token's look-ups use its own
// strings as keys (no key built per token).
interface Vocabulary {
  lemma: Map<string, Entry[]>;
  stem: Map<string, Entry[]>;
}

function compileVocabulary(): Vocabulary {
  const byFirst: Vocabulary = { lemma: new Map(), stem: new Map() };
  const add = (map: Map<string, Entry[]>, key: string, e: Entry) => {
    const list = map.get(key);
    if (!list) map.set(key, [e]);
    else if (!list.includes(e)) list.push(e);
  };
  for (const [concept, phrases] of [...vocabularyEntries(CONCEPT_WORDS), ...vocabularyEntries(TOPIC_WORDS)]) {
    for (const p of phrases) {
      const words = normalizePhrase(p.replace(/^=/, ''));
      if (!words.length) continue;
      const e = { concept, words };
      add(byFirst.lemma, words[0]!.lemma, e);
      add(byFirst.stem, words[0]!.stem, e);
    }
  }
  return byFirst;
}

let vocabulary: Vocabulary | null = null;

/** Concepts found in a clause: name → whether any occurrence was negated / quoted. */
function conceptsOf(tokens: Token[]): Map<string, { negated: boolean; quoted: boolean }> {
  const vocab = (vocabulary ??= compileVocabulary());
  const found = new Map<string, { negated: boolean; quoted: boolean }>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    for (let l = 0; l < 2; l++) {
      const list = l === 0 ? vocab.lemma.get(t.lemma) : vocab.stem.get(t.stem);
      if (!list) continue;
      for (const e of list) {
        if (found.size >= MAX_CONCEPTS && !found.has(e.concept)) continue;
        const n = e.words.length;
        if (i + n > tokens.length) continue;
        let k = 0;
        while (k < n && (tokens[i + k]!.lemma === e.words[k]!.lemma || tokens[i + k]!.stem === e.words[k]!.stem)) k++;
        if (k < n) continue;
        const had = found.get(e.concept);
        // A negation word is itself the concept NEG; the words it governs carry the mark.
        const negated = e.concept !== 'NEG' && anyNegated(tokens, i, i + n);
        found.set(e.concept, { negated: (had?.negated ?? false) || negated, quoted: (had?.quoted ?? false) || t.quoted });
      }
    }
  }
  return found;
}

/** Sorts a clause's few concept names as Array's sort would (by UTF-16 code units), without its work array. */
function sortInPlace(xs: string[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i]!;
    let j = i - 1;
    for (; j >= 0 && xs[j]! > x; j--) xs[j + 1] = xs[j]!;
    xs[j + 1] = x;
  }
}

function anyNegated(tokens: Token[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (tokens[i]!.negated) return true;
  return false;
}

const isWord = (t: Token) => t.type === 'word' && t.lemma.length > 1 && !STOP.has(t.lemma);

function clauseFeatures(clauses: Clause[], out: Set<string>, prefix: string, words: boolean): void {
  for (const c of clauses) {
    if (words) {
      const content = c.tokens.filter(isWord);
      for (let i = 0; i < content.length; i++) {
        const t = content[i]!;
        const mark = t.quoted ? 'q' : t.negated ? 'n' : 'w';
        out.add(`${prefix}${mark}:${t.lemma}`);
        if (i + 1 < content.length && !t.quoted) out.add(`${prefix}b:${t.lemma}_${content[i + 1]!.lemma}`);
      }
      for (const t of c.tokens) if (t.type === 'currency') out.add(`${prefix}t:money`);
    }
    const concepts = conceptsOf(c.tokens);
    const names: string[] = [];
    for (const [name, how] of concepts) {
      const mark = how.quoted ? '"' : how.negated ? '~' : '';
      out.add(`${prefix}c:${mark}${name}`);
      if (!how.quoted) names.push(`${how.negated ? '~' : ''}${name}`);
    }
    sortInPlace(names);
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) out.add(`${prefix}cc:${names[i]}+${names[j]}`);
  }
}

/** The features of one email, sorted (a stable order makes training reproducible). */
export function signals(input: SignalInput): string[] {
  const out = new Set<string>(['bias']);
  for (const r of input.rules ?? []) out.add(r);
  const subject = read(input.subject).clauses;
  for (const c of subject) for (const t of c.tokens) if (isWord(t)) out.add(`s:${t.negated ? '~' : ''}${t.lemma}`);
  clauseFeatures(subject, out, '', false);
  clauseFeatures(read(input.body).clauses, out, '', true);
  if (input.fallback) clauseFeatures(read(input.fallback).clauses, out, 'h', false);
  const h = input.hints ?? {};
  if (h.payment_refs) out.add('h:payment_refs');
  if (h.credit_memos) out.add('h:credit_memos');
  if ((h.distinct_invoices ?? 0) >= 2) out.add('h:invoices2');
  return [...out].sort();
}
