// Splits an email into what the sender wrote now and what they carried along: quoted history, forwarded
// messages and the signature. Older invoice numbers live in the history and phone numbers in the
// signature, so the reading looks at the current text first and at the rest only as a fallback.

export interface Sender {
  name: string | null;
  email: string | null;
  domain: string | null;
}

export interface EmailParts {
  subject: string;
  /** What the sender wrote in this message, without greeting-to-signature noise removed. */
  current: string;
  signature: string;
  /** Earlier messages below the current one (reply history or a forwarded message). */
  history: string;
  /** True when the history is a forwarded message rather than reply history. */
  forwarded: boolean;
  sender: Sender;
  /** Senders named in forwarded or quoted headers ("From: …"), nearest first. */
  history_senders: Sender[];
}

const HISTORY_MARKERS: RegExp[] = [
  /^-{2,}\s*(original message|forwarded message|message d'origine)\s*-{2,}/i,
  /^(begin forwarded message|forwarded message)\s*(?::\s*)?$/i,
  /^_{6,}\s*$/,
  /^on\b.{0,300}\bwrote:\s*$/i,
];
const FORWARD_MARKER = /forward/i;
const HEADER_LINE = /^\s*(from|sent|date|to|cc|subject)\s*:/i;
const CLOSING =
  /^(best|kind|warm|warmest|many)?\s*(regards|wishes|thanks)\b|^(thanks|thank you|thx|cheers|sincerely|respectfully|cordially|best|rgds|br|yours truly|all the best)\b/i;

export function parseAddress(raw: string | null | undefined): Sender {
  if (!raw) return { name: null, email: null, domain: null };
  // Written so that no stretch of the text is re-read from many places (else a "From:" line of one repeated
  // character costs time quadratic in its length): the name ends on a non-space (it is trimmed anyway), so only
  // "\s*" crosses a run of spaces; the address holds no bracket and one "@", so a failed try stops at the next
  // bracket; the bare address starts only where a run of address characters starts.
  const angle = /^\s*(?=\S)"?((?:[^"<]*?[^"<\s])?)"?\s*[<[](?:mailto:)?([^>\]\s<[@]+@[^>\]\s<[]+)[>\]]/.exec(raw);
  const bare = /(?<![A-Za-z0-9._%+'-])([A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/.exec(raw);
  const email = (angle?.[2] ?? bare?.[1] ?? '').trim().toLowerCase() || null;
  const name = angle?.[1]?.trim() || (bare ? raw.replace(bare[0], '').replace(/[<>"[\]]/g, '').trim() : raw.trim()) || null;
  const domain = email ? email.slice(email.indexOf('@') + 1) : null;
  return { name: name && name !== email ? name : null, email, domain };
}

/** Index of the first line that starts quoted or forwarded history, or -1. */
function historyStart(lines: string[]): { index: number; forwarded: boolean } {
  // quotedToEnd[i]: every line from i on is blank or quoted; found once from the end, not per '>' line.
  // (Typed arrays: a plain array of a few hundred thousand holes is a slow dictionary in V8.)
  const quotedToEnd = new Uint8Array(lines.length + 1);
  quotedToEnd[lines.length] = 1;
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    quotedToEnd[i] = quotedToEnd[i + 1]! && (l === '' || l.startsWith('>')) ? 1 : 0;
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    // Bottom-posted replies: a run of '>' lines up to the end is history. No marker below starts with '>', and
    // every one starts with one of -_bfo: most lines skip the patterns.
    if (line.startsWith('>')) {
      if (quotedToEnd[i]) return { index: i, forwarded: false };
      continue;
    }
    if (!/^[-_bfo]/i.test(line)) continue;
    if (HISTORY_MARKERS.some((m) => m.test(line))) return { index: i, forwarded: FORWARD_MARKER.test(line) };
    // "On Tue, Nov 3, 2026 at 9:12 AM Dana <dana@x>\nwrote:" wraps over two lines.
    if (/^on\b/i.test(line) && /^.*\bwrote:\s*$/i.test(lines[i + 1]?.trim() ?? '') && line.length < 200) {
      return { index: i, forwarded: false };
    }
    // Outlook pastes a header block: From: … then Sent:/Date:/To:/Subject: within a few lines.
    if (/^from\s*:/i.test(line) && lines.slice(i + 1, i + 5).some((l) => /^\s*(sent|date|to|subject)\s*:/i.test(l))) {
      return { index: i, forwarded: false };
    }
  }
  return { index: -1, forwarded: false };
}

/** Index of the line where the signature begins (a short closing line after some content), or -1. */
function signatureStart(lines: string[]): number {
  // What follows each line, found once from the end rather than re-read at every closing-like line: the length
  // of the next non-blank line (-1: none), how many non-blank lines follow and whether all of them are short.
  const nextLength = new Int32Array(lines.length);
  const restCount = new Int32Array(lines.length);
  const restShort = new Uint8Array(lines.length);
  let following = -1;
  let count = 0;
  let short = 1;
  for (let i = lines.length - 1; i >= 0; i--) {
    nextLength[i] = following;
    restCount[i] = count;
    restShort[i] = short;
    const l = lines[i]!.trim();
    if (l) {
      following = l.length;
      count++;
      if (l.length > 80) short = 0;
    }
  }
  let content = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (/^--\s*$/.test(line) || /^sent from my\b/i.test(line)) return i;
    if (content > 0 && line.length <= 40 && CLOSING.test(line) && !/\d/.test(line) && line.split(/\s+/).length <= 5) {
      // "Thanks for the quick reply." can open a message too: a real closing is followed by a short
      // name-like line (or by nothing much at all).
      const nameNext = nextLength[i]! <= 40;
      const shortRest = restCount[i]! <= 6 && restShort[i] === 1;
      if ((line.endsWith(',') && nameNext) || shortRest) return i;
    }
    if (line) content++;
  }
  return -1;
}

export function splitEmail(email: { from: string; subject: string; body: string }): EmailParts {
  const body = normalizeText(email.body);
  const lines = body.split('\n');
  const hist = historyStart(lines);
  const ownLines = hist.index >= 0 ? lines.slice(0, hist.index) : lines;
  const historyLines = hist.index >= 0 ? lines.slice(hist.index) : [];
  // Interleaved '>' lines inside the current part are quotes too.
  const quotedInline = ownLines.filter((l) => l.trim().startsWith('>'));
  const unquoted = ownLines.filter((l) => !l.trim().startsWith('>'));
  const sig = signatureStart(unquoted);
  const current = (sig >= 0 ? unquoted.slice(0, sig) : unquoted).join('\n').trim();
  const signature = sig >= 0 ? unquoted.slice(sig).join('\n').trim() : '';
  const history = [...quotedInline, ...historyLines].map((l) => l.replace(/^\s*(>\s?)+/, '')).join('\n').trim();
  const subject = normalizeText(email.subject);
  const forwarded = hist.forwarded || /^\s*(fw|fwd)\s*:/i.test(subject);
  const history_senders = historyLines
    .map((l) => l.replace(/^\s*(>\s?)+/, ''))
    .filter((l) => /^\s*from\s*:/i.test(l) && HEADER_LINE.test(l))
    .map((l) => parseAddress(l.replace(/^\s*from\s*:\s*/i, '')))
    .filter((s) => s.email !== null);
  return { subject, current, signature, history, forwarded, sender: parseAddress(email.from), history_senders };
}

/** Subject without reply/forward prefixes ("RE: FW: …"). */
export function bareSubject(subject: string): string {
  // "(\[\d+\]\s*)?" and not "(\[\d+\])?\s*": beside the "\s*" before it, a run of spaces could be split two ways.
  return subject.replace(/^\s*((re|fw|fwd|aw|wg|sv|tr)\s*(\[\d+\]\s*)?:\s*)+/i, '').trim();
}

/** One spelling for dashes, quotes and spaces, so patterns need not list every Unicode variant. */
export function normalizeText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u201B]/g, "'")
    .replace(/[\u201C\u201D\u201F]/g, '"')
    .replace(/[\u00A0\u2000-\u200B\u202F]/g, ' ');
}
