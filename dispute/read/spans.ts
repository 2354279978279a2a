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

export const overlaps = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;
export const inAny = (s: Span, spans: Span[]): boolean => spans.some((x) => overlaps(s, x));

const ABBREV = /\b(no|nr|inv|approx|vs|mr|mrs|ms|dr|co|inc|ltd|st|ave|e\.g|i\.e|etc|dept|ref|qty|p\.o)\.$/i;

/** The sentence (or line) that contains position `at`, trimmed. */
export function sentenceAt(text: string, at: number, endAt = at): string {
  const b = sentenceBounds(text, at, endAt);
  return text.slice(b.start, b.end).replace(/\s+/g, ' ').trim();
}

export function sentenceBounds(text: string, at: number, endAt = at): Span {
  let start = at;
  while (start > 0) {
    const c = text[start - 1]!;
    if (c === '\n') break;
    if (/[.!?]/.test(c) && /\s/.test(text[start] ?? '') && !ABBREV.test(text.slice(Math.max(0, start - 8), start))) break;
    start--;
  }
  let end = endAt;
  while (end < text.length) {
    const c = text[end]!;
    if (c === '\n') break;
    if (/[.!?]/.test(c) && (end + 1 >= text.length || /\s/.test(text[end + 1]!)) && !ABBREV.test(text.slice(Math.max(0, end - 7), end + 1))) {
      end++;
      break;
    }
    end++;
  }
  return { start, end };
}

/** All matches of a global regex, with positions. */
export function* matchAll(text: string, re: RegExp): Generator<RegExpExecArray> {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  let m: RegExpExecArray | null;
  while ((m = g.exec(text)) !== null) {
    if (m[0].length === 0) g.lastIndex++;
    yield m;
  }
}

export const digitsOf = (s: string): string => s.replace(/\D/g, '');
/** `004138` → `4138`: customers drop and add leading zeros freely. */
export const stripZeros = (digits: string): string => digits.replace(/^0+(?=\d)/, '');
