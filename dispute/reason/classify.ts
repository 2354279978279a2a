// Picks the dispute reason: the phrase rules (rules/), phrase families and structural signals are read
// as features, together with the words and concepts of the NLP pass (signals.ts), and a softmax model
// trained on the labeled corpora (model.ts, model.json; npm run train:reasons) weighs them. Its
// probabilities are calibrated (temperature scaling on cross-validated scores), so a confidence of 0.9
// means about 9 of 10 such readings are right. The top two reasons go to the approver with their
// probabilities. The rules' own weights below only pick the evidence sentence and the secondary reasons.
import { sentencesOf, type Sentences } from '../read/spans.ts';
import { REASON_CODES, type ReasonCode } from '../types.ts';
import { familyHits } from './families.ts';
import { structuralFeatures } from './features.ts';
import { repairTypos } from './lexicon.ts';
import { GramTable, gramsOfLiterals, requiredLiterals } from './literals.ts';
import { readText, type Reading } from './nlp.ts';
import { explain, MODEL_VERSION, rankReasons } from './model.ts';
import { RULES, type Rule } from './rules/index.ts';
import { signals } from './signals.ts';

export interface ReasonResult {
  code: ReasonCode;
  confidence: number;
  evidence: string;
  secondary: ReasonCode[];
  /** The rules' scores per reason (evidence for the approver, not the verdict). */
  scores: Partial<Record<ReasonCode, number>>;
  /** The model's two most probable reasons, calibrated. */
  candidates: { code: ReasonCode; p: number }[];
  /** The version of the model that read it (model.json). */
  model: string;
}

export interface ReasonInput {
  subject: string;
  body: string;
  /** A forwarded message to read when the sender's own words say nothing about the reason. */
  fallback?: string | null;
  /** Counts from the reading: references nudge reasons that cite them. */
  hints?: { payment_refs?: number; credit_memos?: number; distinct_invoices?: number };
}

const SUBJECT_WEIGHT = 1.5;
// Words the customer accepts are not the complaint: "we're fine with the freight charge", "the prices
// look right", "no issue with the quantity". Checked within the clause around the match.
const ACCEPTED_BEFORE = /\b(fine|ok|okay|happy|satisfied|no (issue|problem|complaint|concern|dispute)s?|not (disputing|questioning|contesting))\b( with| on| about| regarding)?( the| your| our)?\s*(\S+\s+){0,2}$/i;
const ACCEPTED_AFTER = /^\s*(\S+\s+){0,3}?(look|looks|looked|seem|seems|are|is|was|were)( all| both)? (right|fine|correct|ok|okay|accurate|good)\b/i;
const NEGATED = /\b(no|not|nothing|never|none|without|neither|nor|free of)\b[^.,;:!?]{0,25}$|n't\b[^.,;:!?]{0,25}$/i;
// A secondary reason must not be the background of the primary one (a credit memo "for damaged
// pallets" is about a credit, a late fee "on a paid invoice" is about the fee).
const BACKGROUND: Partial<Record<ReasonCode, ReasonCode[]>> = {
  CRN: ['DMG', 'WRG', 'QTY', 'DSC', 'PRC', 'NRC'],
  NRC: ['QTY'],
  QTY: ['NRC'],
  TRM: ['DSC'],
  NOI: ['DSC', 'TRM'],
  DSC: ['PRC', 'TRM'],
  TAX: ['PRC'],
  DUP: ['PRC', 'QTY'],
  PO: ['PRC'],
};
const NEVER_SECONDARY: ReasonCode[] = ['PAID', 'NOI', 'OTH'];
interface Hit {
  weight: number;
  sentence: string;
}

// Matches of one rule looked at in one text. Each costs a look around it (negation, acceptance, the sentence
// for `unless`); a customer repeats a phrase a few times, so past this many the rest would only repeat what
// was seen, and a text of one phrase repeated thousands of times is read in time linear in its length.
const MAX_HITS = 50;

// Each rule's expression with the global flag, compiled once: building a RegExp per rule per text was a
// third of the time it took to read an ordinary email.
//
// A rule whose pattern spells no capital letter (all of them: they are written in lower case with the `i`
// flag) also runs without `i` over the text lower-cased once, which V8 scans faster; positions are the same.
// A text whose lower case has another length (a rare Unicode letter) is read with the `i` pattern.
interface Compiled {
  i: RegExp;
  lower: RegExp | null;
  /** Words the lower-case pattern cannot match without (literals.ts), as three-character sequences; null: none known, always scan. */
  needs: number[][] | null;
}

// Most rules find nothing in a text. Each rule's required words are indexed by their first three characters,
// so the rules a text may match are found with one look-up per three-character sequence of the text, and the
// others are not scanned at all (literals.ts: a skipped rule is one that could not have matched).
interface Entry {
  rule: Rule;
  c: Compiled;
}
let ENTRIES: Entry[] | null = null;
const OFFSET = new Map<ReasonCode, number>();
let BY_GRAM = new Map<number, { entry: number; grams: number[] }[]>();
let ALWAYS: number[] = [];
function ruleEntries(): Entry[] {
  if (ENTRIES) return ENTRIES;
  const list: Entry[] = [];
  for (const code of REASON_CODES) {
    OFFSET.set(code, list.length);
    for (const rule of RULES[code]) list.push({ rule, c: compiled(rule) });
  }
  BY_GRAM = new Map();
  ALWAYS = [];
  list.forEach(({ c }, k) => {
    if (c.lower === null || c.needs === null || c.needs.some((g) => g.length === 0)) {
      ALWAYS.push(k);
      return;
    }
    for (const grams of c.needs) {
      const at = BY_GRAM.get(grams[0]!);
      if (at) at.push({ entry: k, grams });
      else BY_GRAM.set(grams[0]!, [{ entry: k, grams }]);
    }
  });
  return (ENTRIES = list);
}

const GRAMS = new GramTable();
/** Which rules may match the text (1) and which cannot (0), by place in ruleEntries(). */
function possibleRules(t: Text): Uint8Array {
  if (t.possible) return t.possible;
  const out = new Uint8Array(ruleEntries().length);
  if (t.lower === null) return (t.possible = out.fill(1));
  for (const k of ALWAYS) out[k] = 1;
  const grams = GRAMS.fill(t.lower);
  for (let j = 0; j < grams.count; j++) {
    const list = BY_GRAM.get(grams.distinct[j]!);
    if (!list) continue;
    for (const x of list) if (!out[x.entry] && allIn(x.grams, grams)) out[x.entry] = 1;
  }
  return (t.possible = out);
}
/** Whether every one of `needs` is in `grams` (a loop: this runs for every rule a text's sequences point to). */
function allIn(needs: number[], grams: GramTable): boolean {
  for (let i = 0; i < needs.length; i++) if (!grams.has(needs[i]!)) return false;
  return true;
}
const COMPILED = new WeakMap<Rule, Compiled>();
function compiled(rule: Rule): Compiled {
  let c = COMPILED.get(rule);
  if (!c) {
    const flags = rule.re.flags.replace('g', '');
    // Capitals outside escapes (`\S`, `\W`, `\D`, `\B` are escapes, not letters).
    const caseFree = flags.includes('i') && !/[A-Z]/.test(rule.re.source.replace(/\\./g, ''));
    c = {
      i: new RegExp(rule.re.source, flags + 'g'),
      lower: caseFree ? new RegExp(rule.re.source, flags.replace('i', '') + 'g') : null,
      needs: caseFree ? gramsOfLiterals(requiredLiterals(rule.re.source)) : null,
    };
    COMPILED.set(rule, c);
  }
  return c;
}

// Each rule's feature name ("r:PRC:3", and "hr:PRC:3" for a forwarded message), made once instead of per email.
const RULE_FEATURES = new Map<string, string[]>();
function ruleFeature(prefix: string, code: ReasonCode, i: number, k: number): string {
  let names = RULE_FEATURES.get(prefix);
  if (!names) RULE_FEATURES.set(prefix, (names = []));
  return (names[k] ??= `${prefix}r:${code}:${i}`);
}

/** The rule's strongest match in the text: negated matches are skipped, background ones dampened. */
function bestHit(rule: Rule, t: Text, factor: number): Hit | null {
  if (!t.raw) return null;
  const c = compiled(rule);
  const fast = c.lower !== null && t.lower !== null;
  const re = fast ? c.lower! : c.i;
  const text = fast ? t.lower! : t.raw;
  const sentences = t.sentences;
  re.lastIndex = 0;
  let best: Hit | null = null;
  let seen = 0;
  for (let m = re.exec(text); m && seen < MAX_HITS; m = re.exec(text), seen++) {
    if (m[0].length === 0) re.lastIndex++;
    const lead = text.slice(Math.max(0, m.index - 40), m.index);
    if (rule.neg && NEGATED.test(lead)) continue;
    if (accepted(text, m.index, m.index + m[0].length)) continue;
    const sentence = sentences.at(m.index, m.index + m[0].length);
    const weight = rule.w * factor * (rule.unless?.test(sentence) ? 0.25 : 1);
    if (!best || weight > best.weight) best = { weight, sentence };
    if (weight === rule.w * factor) break;
  }
  return best;
}

function accepted(text: string, start: number, end: number): boolean {
  const lead = text.slice(Math.max(0, start - 60), start).split(/[.;!?\n]|\s-\s|\bbut\b/i).pop()!;
  const tail = text.slice(end, end + 40).split(/[.;!?\n,]|\s-\s|\bbut\b/i)[0]!;
  return ACCEPTED_BEFORE.test(lead) || ACCEPTED_AFTER.test(tail);
}

/** The texts of one email as the reader sees them: typos repaired, and read once by the NLP pass. */
interface Text {
  raw: string;
  /** The text in lower case, when that keeps every position (else null). */
  lower: string | null;
  /** Which rules (by their place in ruleEntries()) may match it, found on first use. */
  possible?: Uint8Array;
  sentences: Sentences;
  pass: Reading;
}
const textOf = (s: string): Text => {
  const raw = repairTypos(s);
  const lower = raw.toLowerCase();
  return { raw, lower: lower.length === raw.length ? lower : null, sentences: sentencesOf(raw), pass: readText(raw) };
};

// The subject's hits are the same whether it goes with the body or with a forwarded message: looked up once,
// kept by the rule's place in ruleEntries() (undefined: not looked up yet).
type SubjectHits = (Hit | null | undefined)[];

function score(subject: Text, body: Text, fired: string[], prefix = '', subjectHits: SubjectHits = []) {
  const out = new Map<ReasonCode, { score: number; best: Hit | null }>();
  const inSubjectMay = possibleRules(subject);
  const inBodyMay = possibleRules(body);
  for (const code of REASON_CODES) {
    let total = 0;
    let best: Hit | null = null;
    const offset = OFFSET.get(code)!;
    const rules = RULES[code];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const k = offset + i;
      let inSubject = subjectHits[k];
      if (inSubject === undefined) subjectHits[k] = inSubject = inSubjectMay[k] ? bestHit(rule, subject, SUBJECT_WEIGHT) : null;
      const inBody = inBodyMay[k] ? bestHit(rule, body, 1) : null;
      const top = inSubject && (!inBody || inSubject.weight >= inBody.weight) ? inSubject : inBody;
      if (!top) continue;
      fired.push(ruleFeature(prefix, code, i, k));
      total += top.weight;
      if (!best || top.weight > best.weight) best = top;
    }
    out.set(code, { score: total, best });
  }
  // Phrase families count like rules: once each (subject or body, whichever weighs more).
  const families = new Map<number, { code: ReasonCode; weight: number; clause: string }>();
  for (const h of [...familyHits(subject.pass).map((x) => Object.assign({}, x, { weight: x.weight * SUBJECT_WEIGHT })), ...familyHits(body.pass)]) {
    const had = families.get(h.id);
    if (!had || h.weight > had.weight) families.set(h.id, h);
  }
  for (const [id, h] of families) {
    fired.push(`${prefix}f:${id}`);
    const e = out.get(h.code)!;
    e.score += h.weight;
    if (!e.best || h.weight > e.best.weight) e.best = { weight: h.weight, sentence: h.clause };
  }
  // Structural signals count once per reason, like a rule.
  const seen = new Set<ReasonCode>();
  for (const f of structuralFeatures(body.pass)) {
    if (seen.has(f.code)) continue;
    seen.add(f.code);
    fired.push(`${prefix}x:${f.code}`);
    const e = out.get(f.code)!;
    e.score += f.weight;
    if (!e.best || f.weight > e.best.weight) e.best = { weight: f.weight, sentence: f.sentence };
  }
  return out;
}

// The reason is read from the first READ_CHARS characters of each text, as much as a whole triage summary
// may hold (server/schemas.ts). Customers state the complaint up front (the labeled emails are all under
// 1,000 characters); every phrase rule, phrase family and the learned model pass over what is read, so the
// rest of a 200,000-character body would cost ten times the time and tell nothing a reader would notice.
export const READ_CHARS = 20_000;

/** Everything the model reads of one email: the same function for training and for reading. */
export function reasonFeatures(input: ReasonInput): { features: string[]; scores: ReturnType<typeof score> } {
  const head = (s: string) => (s.length > READ_CHARS ? s.slice(0, READ_CHARS) : s);
  const subject = textOf(head(input.subject));
  const body = textOf(head(input.body));
  const fallback = input.fallback ? textOf(head(input.fallback)) : null;
  // The rule-side features: which rules, families and structural signals fired.
  const fired: string[] = [];
  const subjectHits: SubjectHits = [];
  const scores = score(subject, body, fired, '', subjectHits);
  if (fallback) score(subject, fallback, fired, 'h', subjectHits);
  const features = signals({ subject: subject.pass, body: body.pass, fallback: fallback?.pass ?? null, hints: input.hints, rules: fired });
  return { features, scores };
}

export function classifyReason(input: ReasonInput): ReasonResult {
  const { features, scores: s } = reasonFeatures(input);
  const ranked = rankReasons(features);
  const top = ranked[0]!;
  const code = top.code;
  const scores = Object.fromEntries(
    REASON_CODES.filter((c) => c !== 'OTH' && s.get(c)!.score > 0)
      .sort((a, b) => s.get(b)!.score - s.get(a)!.score)
      .map((c) => [c, round(s.get(c)!.score)]),
  ) as ReasonResult['scores'];
  const chosen = s.get(code)!;
  const background = BACKGROUND[code] ?? [];
  const secondary = REASON_CODES.filter((c) => c !== code && !NEVER_SECONDARY.includes(c) && !background.includes(c))
    .map((c) => ({ c, score: s.get(c)!.score }))
    .filter((r) => r.score >= 2.5 && r.score >= chosen.score * 0.5)
    .sort((a, b) => b.score - a.score)
    .map((r) => r.c);
  const why = chosen.best?.sentence ? [] : explain(features, code);
  const evidence = chosen.best?.sentence || (why.length ? `model: ${why.join(', ')}` : 'model: nothing in the text points to a reason');
  return {
    code,
    confidence: round(top.p),
    evidence,
    secondary,
    scores,
    candidates: ranked.slice(0, 2).map((r) => ({ code: r.code, p: round(r.p) })),
    model: MODEL_VERSION,
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
