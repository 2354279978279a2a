// The one reading pass of the reason reader: wink-nlp splits the text into sentences and tokens, tags
// negation (the words a "not", "never", "n't" or "no" governs), lemmatizes ("came" → "come") and stems.
// Here sentences are also cut at line ends (a greeting line is not part of the complaint), cut into
// clauses (at , ; : ( ) and a dash, and at "and", "but", "however", "although", "whereas"), and each token
// is marked when it stands inside double quotes ("the invoice says "paid in full"" quotes a document, it
// does not claim a payment). Everything that reads words — the phrase families, the structural signals and
// the learned model's features — reads this one pass; each text of an email is read once.
// wink-nlp's tokenizer and taggers run in time linear in the text once no token is very long (see MAX_TOKEN).
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

export interface Token {
  /** Lower-cased surface form. */
  text: string;
  lemma: string;
  stem: string;
  negated: boolean;
  quoted: boolean;
  /** wink-nlp's token type: word, number, currency, punctuation, email, url, … */
  type: string;
}

export interface Clause {
  tokens: Token[];
  /** Index of the sentence the clause belongs to. */
  sentence: number;
}

export interface Sentence {
  /** The sentence as written (spacing kept, so amounts and units read as they were typed). */
  text: string;
}

export interface Reading {
  sentences: Sentence[];
  clauses: Clause[];
}

const nlp = winkNLP(model, ['sbd', 'negation', 'pos']);
const its = nlp.its;
// wink-nlp's typings reject its own helpers (their `addons` parameter): read every collection through one
// loosely typed door.
type Outable = { out: (f?: unknown) => unknown };
const outOf = <T>(items: unknown, f?: unknown): T[] => (items as Outable).out(f) as T[];
// The English model ships a Porter stemmer as an addon its typings leave `unknown`: checked once, here.
const stemAddon = model.addons.stem;
if (typeof stemAddon !== 'function') throw new Error('wink-eng-lite-web-model has no stem addon');
const porter = stemAddon as (w: string) => string;
const CLAUSE_BREAK_WORDS = new Set(['and', 'but', 'however', 'although', 'though', 'whereas', 'except']);
const CLAUSE_BREAK_PUNCT = new Set([',', ';', ':', '(', ')', '-', '--', '–', '—']);
const QUOTES = new Set(['"', '“', '”', '«', '»']);

// wink-nlp's tokenizer takes time quadratic in the length of one token (measured: a 4,000-character word
// costs 200 ms, 40-character words 3 µs a character). No word of a dispute is longer than this; longer runs
// (a hostile "aaaa…", a pasted hash) are cut to it before tokenizing, in one linear pass.
const MAX_TOKEN = 48;
const LONG_RUN = new RegExp(String.raw`\S{${MAX_TOKEN + 1},}`, 'g');

// Porter stems of the words seen, kept across emails: customers use a few thousand words, and stemming is
// a tenth of the pass. Bounded (a text of random words must not grow it without end); a Map, so no word
// ("constructor", "__proto__") can reach Object.prototype.
const STEMS = new Map<string, string>();
const STEMS_MAX = 50_000;
/** wink-nlp's (Porter) stem of a lower-case word. */
export function stemOf(word: string): string {
  // Porter's suffix patterns ("(.+)(sses)$") take time quadratic in the length of the word.
  if (word.length > MAX_TOKEN) return word;
  let s = STEMS.get(word);
  if (s === undefined) {
    if (STEMS.size >= STEMS_MAX) STEMS.clear();
    STEMS.set(word, (s = porter(word)));
  }
  return s;
}

// The pass reads the first NLP_CHARS characters of each text. The labeled emails' bodies are all under
// 1,000 characters and customers state the complaint up front; the phrase rules still read 20,000
// (classify.ts READ_CHARS). Tokenizing, tagging and lemmatizing cost about 3 µs a character, so a
// 200,000-character body read whole would take the better part of a second for nothing a reader would notice.
export const NLP_CHARS = 5_000;

/** Sentences and clauses of the first NLP_CHARS characters of `text`, every token tagged. */
export function readText(whole: string): Reading {
  const out: Reading = { sentences: [], clauses: [] };
  const raw = whole.length > NLP_CHARS ? whole.slice(0, NLP_CHARS) : whole;
  if (!raw.trim()) return out;
  const text = LONG_RUN.test(raw) ? raw.replace(LONG_RUN, (m) => m.slice(0, MAX_TOKEN)) : raw;
  LONG_RUN.lastIndex = 0;
  const doc = nlp.readDoc(text);
  const tokens = doc.tokens();
  const values = outOf<string>(tokens);
  const lemmas = outOf<string>(tokens, its.lemma);
  const negs = outOf<boolean>(tokens, its.negationFlag);
  const types = outOf<string>(tokens, its.type);
  const spaces = outOf<string>(tokens, its.precedingSpaces);
  const spans = outOf<[number, number]>(doc.sentences(), its.span);
  for (const [first, last] of spans) {
    let clause: Token[] = [];
    let written = '';
    // A quote opened in a sentence ends with it: a stray quote mark never hides the rest of the email.
    let quoted = false;
    const flushClause = () => {
      if (clause.length) out.clauses.push({ tokens: clause, sentence: out.sentences.length });
      clause = [];
    };
    const flushSentence = () => {
      flushClause();
      if (written.trim()) out.sentences.push({ text: written.trim() });
      written = '';
      quoted = false;
    };
    for (let i = first; i <= last; i++) {
      const value = values[i]!;
      const type = types[i]!;
      if (type === 'tabCRLF') {
        flushSentence();
        continue;
      }
      written += spaces[i]! + value;
      const t = value.toLowerCase();
      if (QUOTES.has(t)) {
        quoted = !quoted;
        continue;
      }
      if (CLAUSE_BREAK_PUNCT.has(t)) {
        flushClause();
        continue;
      }
      if (CLAUSE_BREAK_WORDS.has(t)) flushClause();
      if (type === 'punctuation') continue;
      // "15% off" reads as "15 percent off", as the vocabulary spells it.
      const lemma = t === '%' ? 'percent' : lemmas[i]!.toLowerCase();
      clause.push({ text: t, lemma, stem: t === '%' ? 'percent' : stemOf(t), negated: negs[i]!, quoted, type });
    }
    flushSentence();
  }
  return out;
}

/** The clauses of `text` (readText without the sentences). */
export const readClauses = (text: string): Clause[] => readText(text).clauses;

/** A word or phrase of the vocabulary as the pass sees it: its tokens' surface forms, lemmas and stems. */
export function normalizePhrase(phrase: string): { text: string; lemma: string; stem: string; type: string }[] {
  return readText(phrase).clauses.flatMap((c) => c.tokens.map((t) => ({ text: t.text, lemma: t.lemma, stem: t.stem, type: t.type })));
}
