// The literal words a regular expression cannot match without: `\b(damaged|broken) (box|crate)` needs
// "damaged" or "broken" somewhere in the text, and a text holding neither need not be scanned at all. The
// phrase rules (rules/) are a few hundred patterns tried on every text, and most find nothing: checking a
// few words with `includes` first skips most scans. Conservative by construction — whatever this parser does
// not understand gives "no requirement" (null), and the pattern is then always run — so a skipped scan is
// always one that could not have matched (tests/dispute/literals.test.ts checks it on every rule and every
// labeled email). Pure and linear in the pattern's length.

/**
 * Strings of which any match of `source` contains at least one (an empty list never happens: null means no
 * requirement is known). `source` must be a pattern without the `i` flag, read against text as written.
 */
export function requiredLiterals(source: string): string[] | null {
  let i = 0;
  let failed = false;
  const score = (r: string[]) => Math.min(...r.map((x) => x.length)) - r.length / 100;

  function alternatives(): string[] | null {
    const branches = [sequence()];
    while (source[i] === '|') {
      i++;
      branches.push(sequence());
    }
    if (branches.some((b) => b === null)) return null;
    return branches.flat() as string[];
  }

  function sequence(): string[] | null {
    let best: string[] | null = null;
    let literal = '';
    const consider = (r: string[] | null) => {
      if (r && r.length && r.every((x) => x.length > 0) && (!best || score(r) > score(best))) best = r;
    };
    const flush = () => {
      if (literal) consider([literal]);
      literal = '';
    };
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      let atom: { kind: 'char'; ch: string } | { kind: 'group'; req: string[] | null } | { kind: 'other' };
      const c = source[i]!;
      if (c === '\\') {
        const n = source[i + 1];
        if (n === undefined) {
          failed = true;
          return null;
        }
        i += 2;
        if (n === 'u') {
          if (source[i] === '{') i = source.indexOf('}', i) + 1;
          else i += 4;
          atom = { kind: 'other' };
        } else if (n === 'x') {
          i += 2;
          atom = { kind: 'other' };
        } else if (n === 'c') {
          i += 1;
          atom = { kind: 'other' };
        } else if (n === 'k') {
          i = source.indexOf('>', i) + 1;
          atom = { kind: 'other' };
        } else if (/[.*+?^${}()|[\]\\/\-'" ,:;!#%&=<>@`~]/.test(n)) atom = { kind: 'char', ch: n };
        else atom = { kind: 'other' }; // \b \B \d \D \s \S \w \W \n \t \r \f \v \0 and backreferences
      } else if (c === '[') {
        i++;
        if (source[i] === '^') i++;
        if (source[i] === ']') i++;
        while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
        if (i >= source.length) {
          failed = true;
          return null;
        }
        i++;
        atom = { kind: 'other' };
      } else if (c === '(') {
        i++;
        let look = false;
        if (source.startsWith('?:', i)) i += 2;
        else if (source.startsWith('?=', i) || source.startsWith('?!', i)) {
          i += 2;
          look = true;
        } else if (source.startsWith('?<=', i) || source.startsWith('?<!', i)) {
          i += 3;
          look = true;
        } else if (source.startsWith('?<', i)) i = source.indexOf('>', i) + 1;
        else if (source[i] === '?') {
          failed = true;
          return null;
        }
        const inner = alternatives();
        if (failed || source[i] !== ')') {
          failed = true;
          return null;
        }
        i++;
        // A lookaround consumes nothing: it neither requires a literal here nor joins the letters around it.
        atom = look ? { kind: 'other' } : { kind: 'group', req: inner };
      } else if (c === '.' || c === '^' || c === '$') {
        i++;
        atom = { kind: 'other' };
      } else if (c === '*' || c === '+' || c === '?' || c === '{' || c === ']' || c === '}') {
        failed = true; // a quantifier with nothing before it: not a pattern this parser reads
        return null;
      } else {
        i++;
        atom = { kind: 'char', ch: c };
      }
      let optional = false;
      let repeated = false;
      const q = source[i];
      if (q === '?' || q === '*') {
        optional = true;
        i++;
      } else if (q === '+') {
        repeated = true;
        i++;
      } else if (q === '{') {
        const m = /^\{(\d+)(,\d*)?\}/.exec(source.slice(i, i + 24));
        if (m) {
          i += m[0].length;
          if (Number(m[1]) === 0) optional = true;
          else if (m[1] !== '1' || m[2] !== undefined) repeated = true;
        }
      }
      if (q !== undefined && '?*+{'.includes(q) && source[i] === '?') i++; // lazy
      if (atom.kind === 'char' && !optional) {
        literal += atom.ch;
        if (repeated) flush();
      } else {
        flush();
        if (atom.kind === 'group' && !optional) consider(atom.req);
      }
    }
    flush();
    return best;
  }

  const req = alternatives();
  if (failed || i !== source.length) return null;
  return req;
}

/** Whether `text` may match a pattern whose required literals are `req` (null: always). */
export const mayMatch = (req: string[] | null, text: string): boolean => req === null || req.some((x) => text.includes(x));

// The same test without searching the text once per literal: a text's three-character sequences are gathered
// once (a number each), and a literal can only be in the text if each of its sequences is. Looser than
// `includes` (the sequences may sit apart), so it still never skips a text that holds a literal.
// A sequence's number is its three characters at ten bits each, kept to 30 bits: a small integer, which V8
// stores in a Set as it is, where the 48-bit number three whole characters would make is a boxed one.
// Characters past U+03FF may share a number with others (the test is then looser still, never stricter).
const gram = (s: string, i: number): number => ((s.charCodeAt(i) << 20) ^ (s.charCodeAt(i + 1) << 10) ^ s.charCodeAt(i + 2)) & 0x3fffffff;

/** The three-character sequences of each literal; a literal shorter than three gives none (it always passes). */
export const gramsOfLiterals = (req: string[] | null): number[][] | null =>
  req === null ? null : req.map((x) => Array.from({ length: Math.max(0, x.length - 2) }, (_, i) => gram(x, i)));

/** Every three-character sequence of `text`, once. */
export function textGrams(text: string): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i + 2 < text.length; i++) out.add(gram(text, i));
  return out;
}

/** mayMatch over the sequences: false only when no literal can be in the text. */
export const mayMatchGrams = (needs: number[][] | null, grams: { has(x: number): boolean }): boolean =>
  needs === null || needs.some((g) => g.every((x) => grams.has(x)));

/**
 * textGrams without a Set per text: one table, filled again for each text (the phrase rules read an email's
 * subject and body one after the other, never two at once). A Set of an ordinary body's 150 sequences was 11 KB
 * of garbage an email; this keeps its arrays between texts and grows them only for a longer one. Open addressing,
 * at most half full, so a look-up is a probe or two; each fill touches only the part a text that long needs.
 */
export class GramTable {
  /** Each slot's sequence plus one (0: empty), in the first `mask + 1` slots. */
  private slots = new Int32Array(64);
  private mask = 63;
  private shift = 26;
  /** The distinct sequences of the text, in the order first seen: the first `count`. */
  distinct = new Int32Array(32);
  count = 0;

  fill(text: string): this {
    const n = Math.max(0, text.length - 2);
    let bits = 6;
    while (1 << bits < n * 2) bits++;
    const size = 1 << bits;
    if (this.slots.length < size) {
      this.slots = new Int32Array(size);
      this.distinct = new Int32Array(size >> 1);
    } else {
      this.slots.fill(0, 0, size);
    }
    this.mask = size - 1;
    this.shift = 32 - bits;
    this.count = 0;
    for (let i = 0; i < n; i++) {
      const g = gram(text, i);
      let k = Math.imul(g, 0x9e3779b1) >>> this.shift;
      for (;;) {
        const at = this.slots[k]!;
        if (at === 0) {
          this.slots[k] = g + 1;
          this.distinct[this.count++] = g;
          break;
        }
        if (at === g + 1) break;
        k = (k + 1) & this.mask;
      }
    }
    return this;
  }

  has(g: number): boolean {
    let k = Math.imul(g, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const at = this.slots[k]!;
      if (at === g + 1) return true;
      if (at === 0) return false;
      k = (k + 1) & this.mask;
    }
  }
}
