// The one reading pass of the reason model: wink-nlp splits the text into sentences and tokens, tags
// negation (the words a "not", "never", "n't" or "no" governs), lemmatizes ("came" → "come") and stems.
// Here the sentences are cut into clauses (at , ; : and at "but", "however", "although", "whereas") and
// each token is marked when it stands inside double quotes ("the invoice says "paid in full"" quotes a
// document, it does not claim a payment). wink-nlp's tokenizer and taggers run in time linear in the text.
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

const nlp = winkNLP(model, ['sbd', 'negation', 'pos']);
const its = nlp.its;
// wink-nlp's typings reject its own lemma and stem helpers (their `addons` parameter): read every
// collection through one loosely typed door.
type Outable = { out: (f?: unknown) => unknown };
const outOf = <T>(items: unknown, f?: unknown): T[] => (items as Outable).out(f) as T[];
const CLAUSE_BREAK_WORDS = new Set(['but', 'however', 'although', 'though', 'whereas', 'except']);
const CLAUSE_BREAK_PUNCT = new Set([',', ';', ':', '(', ')']);
const QUOTES = new Set(['"', '“', '”', '«', '»']);

// wink-nlp's tokenizer takes time quadratic in the length of one token (measured: a 4,000-character word
// costs 200 ms, 40-character words 3 µs a character). No word of a dispute is longer than this; longer runs
// (a hostile "aaaa…", a pasted hash) are cut to it before tokenizing, in one linear pass.
const MAX_TOKEN = 48;
const LONG_RUN = new RegExp(String.raw`\S{${MAX_TOKEN + 1},}`, 'g');

/** Sentences and clauses of `text`, every token tagged. */
export function readClauses(raw: string): Clause[] {
  if (!raw.trim()) return [];
  const text = raw.replace(LONG_RUN, (m) => m.slice(0, MAX_TOKEN));
  const doc = nlp.readDoc(text);
  const tokens = doc.tokens();
  const texts = outOf<string>(tokens);
  const lemmas = outOf<string>(tokens, its.lemma);
  const stems = outOf<string>(tokens, its.stem);
  const negs = outOf<boolean>(tokens, its.negationFlag);
  const types = outOf<string>(tokens, its.type);
  const spans = outOf<[number, number]>(doc.sentences(), its.span);
  const out: Clause[] = [];
  spans.forEach(([first, last], sentence) => {
    let clause: Token[] = [];
    // A quote opened in a sentence ends with it: a stray quote mark never hides the rest of the email.
    let quoted = false;
    const flush = () => {
      if (clause.length) out.push({ tokens: clause, sentence });
      clause = [];
    };
    for (let i = first; i <= last; i++) {
      const t = texts[i]!.toLowerCase();
      if (QUOTES.has(t)) {
        quoted = !quoted;
        continue;
      }
      if (CLAUSE_BREAK_PUNCT.has(t)) {
        flush();
        continue;
      }
      if (CLAUSE_BREAK_WORDS.has(t)) flush();
      if (types[i] === 'punctuation') continue;
      clause.push({ text: t, lemma: lemmas[i]!.toLowerCase(), stem: stems[i]!.toLowerCase(), negated: negs[i]!, quoted, type: types[i]! });
    }
    flush();
  });
  return out;
}

/** A word or phrase of the vocabulary as the pass sees it: its tokens' lemmas and stems. */
export function normalizePhrase(phrase: string): { lemma: string; stem: string; type: string }[] {
  const doc = nlp.readDoc(phrase);
  const lemmas = outOf<string>(doc.tokens(), its.lemma);
  const stems = outOf<string>(doc.tokens(), its.stem);
  const types = outOf<string>(doc.tokens(), its.type);
  return lemmas.map((l, i) => ({ lemma: l.toLowerCase(), stem: stems[i]!.toLowerCase(), type: types[i]! })).filter((t) => t.type !== 'punctuation');
}

