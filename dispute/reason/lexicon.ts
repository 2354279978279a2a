// Word-level tolerance for the reason reader: a typo repair for the domain words AR clerks misspell
// ("recieved", "invocie", "damadged"), run on the text before the rules and the NLP pass read it. The
// words it repairs to are the vocabulary's (vocabulary.ts, every table); tense and plurals are the NLP
// pass's business (wink-nlp's lemmas and stems), so no stemmer lives here. Cheap: no dictionary beyond
// the domain words, and each distinct word of a text is looked up once.
import { stemOf } from './nlp.ts';
import { allWords } from './vocabulary.ts';

// The domain words worth repairing: the ones the readers hinge on. Short words are left alone (too many
// real words sit one letter away from them).
const DOMAIN_WORDS = allWords().filter((w) => w.length >= 5 && /^[a-z]+$/.test(w));
const VOCAB = new Set(DOMAIN_WORDS);
// Inflections of a domain word ("receives", "credits") are spelled right; only true misspellings are repaired.
const STEMS = new Set(DOMAIN_WORDS.map(stemOf));
const LONGEST = Math.max(...DOMAIN_WORDS.map((w) => w.length));
const BY_LENGTH = new Map<number, string[]>();
for (const w of DOMAIN_WORDS) BY_LENGTH.set(w.length, [...(BY_LENGTH.get(w.length) ?? []), w]);

/** One edit away: a swap of neighbours, one letter dropped or added, or (long words only) one letter changed. */
function oneEdit(a: string, b: string): boolean {
  if (a === b) return false;
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length === 2) return diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
    return diff.length === 1 && a.length >= 8;
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  if (l.length - s.length !== 1) return false;
  let i = 0;
  while (i < s.length && s[i] === l[i]) i++;
  return s.slice(i) === l.slice(i + 1);
}

/** The domain word a misspelled token stands for, or null. The first letter must agree (typos rarely hit it). */
export function repairWord(token: string): string | null {
  const t = token.toLowerCase();
  // A word longer than any domain word by two letters is none of them (and is not stemmed: Porter's
  // suffix patterns take time quadratic in the length of one hostile run of letters).
  if (t.length < 5 || t.length > LONGEST + 1 || VOCAB.has(t) || STEMS.has(stemOf(t))) return null;
  const hits = new Set<string>();
  for (const len of [t.length - 1, t.length, t.length + 1]) {
    for (const w of BY_LENGTH.get(len) ?? []) if (w[0] === t[0] && oneEdit(t, w)) hits.add(w);
  }
  // Two candidates ("prise" → price/prices?) means the token is too ambiguous to touch.
  return hits.size === 1 ? [...hits][0]! : null;
}

// Contractions typed without the apostrophe ("hasnt", "didnt", "cant") still negate.
const BARE_CONTRACTION = /\b(has|have|had|did|does|do|is|was|were|are|could|would|should|wo|ca)nt\b/gi;

// What repairWord answered for the words seen, kept across emails (a long text repeats its words, and customers
// use a few thousand): looking for a domain word one edit away scans every word of three lengths. Bounded,
// forgotten all at once past the bound (a text of random words must not grow it without end); a Map, so no word
// reaches Object.prototype.
const REPAIRED = new Map<string, string | null>();
const REPAIRED_MAX = 50_000;

/** The text with misspelled domain words repaired in place; everything else is left as written. */
export function repairTypos(text: string): string {
  return text.replace(BARE_CONTRACTION, "$1n't").replace(/[A-Za-z]{5,}/g, (w) => {
    let fixed = REPAIRED.get(w);
    if (fixed === undefined) {
      fixed = repairWord(w);
      // A word longer than every domain word is answered at once, and not kept (a hostile text's may be huge).
      if (w.length <= LONGEST + 1) {
        if (REPAIRED.size >= REPAIRED_MAX) REPAIRED.clear();
        REPAIRED.set(w, fixed);
      }
    }
    if (!fixed) return w;
    return w === w.toUpperCase() ? fixed.toUpperCase() : w[0] === w[0]!.toUpperCase() ? fixed[0]!.toUpperCase() + fixed.slice(1) : fixed;
  });
}
