// Positions in a piece of text and the sentence around them: every reader reports where it found
// something, so evidence can quote the customer's words and readers can keep out of each other's way.

export interface Span {
  start: number;
  end: number;
}

export interface Tagged extends Span {
  kind: string;
  raw: string;
  /** Normalized value: `PO-77023`, `CHK-139767`, `RMA-55120`, … */
  value: string;
}

const ABBREV = /\b(no|nr|inv|approx|vs|mr|mrs|ms|dr|co|inc|ltd|st|ave|e\.g|i\.e|etc|dept|ref|qty|p\.o)\.$/i;
// A sentence is quoted at most this far on either side of what was found in it. Real sentences are far
// shorter (the longest in the labeled corpora has 216 characters); past this there is only a wall of text,
// and quoting it whole for each of its mentions would cost time and memory quadratic in its length.
export const SENTENCE_REACH = 400;

/** Sentence lookups in one text: its breaks are found once, so each lookup is a binary search. */
export interface Sentences {
  bounds(at: number, endAt?: number): Span;
  /** The sentence (or line) that contains positions `at`..`endAt`, trimmed, whitespace collapsed. */
  at(at: number, endAt?: number): string;
}

export function sentencesOf(text: string): Sentences {
  let breaks: { starts: number[]; ends: number[] } | null = null;
  // starts: where a sentence may begin (after a line end, or after . ! ? and a space, not an abbreviation);
  // ends: where one may end (at a line end, or after . ! ? before a space or the end of the text).
  const find = () => {
    const starts: number[] = [];
    const ends: number[] = [];
    for (const m of text.matchAll(/\n|[.!?](?=\s|$)/g)) {
      const p = m.index!;
      if (m[0] === '\n') {
        starts.push(p + 1);
        ends.push(p);
      } else if (!ABBREV.test(text.slice(Math.max(0, p - 7), p + 1))) {
        if (p + 1 < text.length) starts.push(p + 1);
        ends.push(p + 1);
      }
    }
    return { starts, ends };
  };
  const bounds = (at: number, endAt = at): Span => {
    const { starts, ends } = (breaks ??= find());
    const i = firstWhere(starts, (s) => s > at);
    const start = i > 0 ? starts[i - 1]! : 0;
    // A line end right at `endAt` closes the sentence there; a full stop must come at or after it.
    const j = firstWhere(ends, (e) => e > endAt || (e === endAt && text[endAt] === '\n'));
    const end = j < ends.length ? ends[j]! : text.length;
    return { start: Math.max(start, at - SENTENCE_REACH), end: Math.min(end, endAt + SENTENCE_REACH) };
  };
  return {
    bounds,
    at: (at, endAt = at) => {
      const b = bounds(at, endAt);
      return text.slice(b.start, b.end).replace(/\s+/g, ' ').trim();
    },
  };
}

/** Index of the first element of the sorted `xs` for which `past` holds (false up to there, then true). */
function firstWhere(xs: number[], past: (x: number) => boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(xs[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// matchAll's own global copy of each pattern it is given (the caller's object, and its lastIndex, are left
// alone), made once rather than for every call (a dozen calls an email).
const WALKER = new WeakMap<RegExp, RegExp>();
const WALKING = new WeakSet<RegExp>();

/** All matches of a regex (global or not), with positions; the caller's regex is not touched. */
export function* matchAll(text: string, re: RegExp): Generator<RegExpExecArray> {
  let g = WALKER.get(re);
  if (!g) WALKER.set(re, (g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g')));
  // A walk of a pattern inside another walk of the same one gets a copy of its own (their positions differ).
  if (WALKING.has(g)) g = new RegExp(g.source, g.flags);
  WALKING.add(g);
  g.lastIndex = 0;
  try {
    let m: RegExpExecArray | null;
    while ((m = g.exec(text)) !== null) {
      if (m[0].length === 0) g.lastIndex++;
      yield m;
    }
  } finally {
    // Also when the caller stops early (a for-of that breaks closes the generator).
    WALKING.delete(g);
    g.lastIndex = 0;
  }
}

export const digitsOf = (s: string): string => s.replace(/\D/g, '');
/** `004138` → `4138`: customers drop and add leading zeros freely. */
export const stripZeros = (digits: string): string => digits.replace(/^0+(?=\d)/, '');
