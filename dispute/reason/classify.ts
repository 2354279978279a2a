// Picks the dispute reason from the subject and the message text with the phrase rules of rules/.
// Each rule counts once per email; the subject weighs more (customers name the problem there). When two
// reasons both have strong evidence the one the customer raises first is the primary: AR emails lead
// with the main complaint ("1. pricing … 2. freight …"), and the rest become secondary reasons. When the
// rules find nothing, a small learned model (learned.ts) gets a say; see blend() below.
import { SECOND_OPINION_CONFIDENCE } from '../confidence.ts';
import { sentencesOf, type Sentences } from '../read/spans.ts';
import { REASON_CODES, type ReasonCode } from '../types.ts';
import { familyHits } from './families.ts';
import { structuralFeatures } from './features.ts';
import { predict, type ModelData } from './learned.ts';
import { repairTypos } from './lexicon.ts';
import MODEL from './model.json' with { type: 'json' };
import { RULES, type Rule } from './rules/index.ts';

export interface ReasonResult {
  code: ReasonCode;
  confidence: number;
  evidence: string;
  secondary: ReasonCode[];
  scores: Partial<Record<ReasonCode, number>>;
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
const MIN_SCORE = 1.5;
const NEAR_TIE = 0.75;
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
// In a near tie, a reason that presupposes another is the claim and the other its premise: a payment
// made early is why a discount is owed, goods sent back are why a credit is owed. The claim wins
// whichever the customer mentions first.
const PREMISE: Partial<Record<ReasonCode, ReasonCode[]>> = {
  DSC: ['PAID'],
  CRN: ['DMG', 'WRG', 'QTY', 'NRC'],
};

interface Hit {
  weight: number;
  position: number;
  sentence: string;
}

// Matches of one rule looked at in one text. Each costs a look around it (negation, acceptance, the sentence
// for `unless`); a customer repeats a phrase a few times, so past this many the rest would only repeat what
// was seen, and a text of one phrase repeated thousands of times is read in time linear in its length.
const MAX_HITS = 50;

/** The rule's strongest match in `text`: negated matches are skipped, background ones dampened. */
function bestHit(rule: Rule, text: string, sentences: Sentences, offset: number, factor: number): Hit | null {
  const re = new RegExp(rule.re.source, rule.re.flags.replace('g', '') + 'g');
  let best: Hit | null = null;
  let seen = 0;
  for (let m = re.exec(text); m && seen < MAX_HITS; m = re.exec(text), seen++) {
    if (m[0].length === 0) re.lastIndex++;
    const lead = text.slice(Math.max(0, m.index - 40), m.index);
    if (rule.neg && NEGATED.test(lead)) continue;
    if (accepted(text, m.index, m.index + m[0].length)) continue;
    const sentence = sentences.at(m.index, m.index + m[0].length);
    const weight = rule.w * factor * (rule.unless?.test(sentence) ? 0.25 : 1);
    if (!best || weight > best.weight) best = { weight, position: offset + m.index, sentence };
    if (weight === rule.w * factor) break;
  }
  return best;
}

function accepted(text: string, start: number, end: number): boolean {
  const lead = text.slice(Math.max(0, start - 60), start).split(/[.;!?\n]|\s-\s|\bbut\b/i).pop()!;
  const tail = text.slice(end, end + 40).split(/[.;!?\n,]|\s-\s|\bbut\b/i)[0]!;
  return ACCEPTED_BEFORE.test(lead) || ACCEPTED_AFTER.test(tail);
}

function score(subject: string, body: string) {
  const out = new Map<ReasonCode, { score: number; first: number; best: Hit | null }>();
  const inSubject = sentencesOf(subject);
  const inBody = sentencesOf(body);
  for (const code of REASON_CODES) {
    let total = 0;
    let first = Infinity;
    let best: Hit | null = null;
    for (const rule of RULES[code]) {
      const hits = [bestHit(rule, subject, inSubject, 0, SUBJECT_WEIGHT), bestHit(rule, body, inBody, 100_000, 1)].filter((h): h is Hit => h !== null);
      if (!hits.length) continue;
      const top = hits.reduce((a, b) => (b.weight > a.weight ? b : a));
      total += top.weight;
      // Where the reason is first raised: any word in the subject (chosen on purpose), but in the body
      // only real evidence, not weak hints.
      first = Math.min(first, ...hits.filter((h) => h.position < 100_000 || rule.w >= 1.5).map((h) => h.position));
      if (!best || top.weight > best.weight) best = top;
    }
    out.set(code, { score: total, first, best });
  }
  // Phrase families count like rules: once each (subject or body, whichever weighs more).
  const families = new Map<number, { code: ReasonCode; weight: number; index: number; clause: string }>();
  for (const h of [...familyHits(subject).map((x) => ({ ...x, weight: x.weight * SUBJECT_WEIGHT })), ...familyHits(body).map((x) => ({ ...x, index: 100_000 + x.index }))]) {
    const had = families.get(h.id);
    if (!had || h.weight > had.weight) families.set(h.id, { ...h, index: Math.min(h.index, had?.index ?? Infinity) });
  }
  for (const h of families.values()) {
    const e = out.get(h.code)!;
    e.score += h.weight;
    e.first = Math.min(e.first, h.index);
    if (!e.best || h.weight > e.best.weight) e.best = { weight: h.weight, position: h.index, sentence: h.clause };
  }
  // Structural signals count once per reason, like a rule.
  const seen = new Set<ReasonCode>();
  for (const f of structuralFeatures(body)) {
    if (seen.has(f.code)) continue;
    seen.add(f.code);
    const e = out.get(f.code)!;
    e.score += f.weight;
    e.first = Math.min(e.first, 100_000 + f.index);
    if (!e.best || f.weight > e.best.weight) e.best = { weight: f.weight, position: 100_000 + f.index, sentence: f.sentence };
  }
  return out;
}

// The reason is read from the first READ_CHARS characters of each text, as much as a whole triage summary
// may hold (server/schemas.ts). Customers state the complaint up front (the labeled emails are all under
// 1,000 characters); every phrase rule, phrase family and the learned model pass over what is read, so the
// rest of a 200,000-character body would cost ten times the time and tell nothing a reader would notice.
export const READ_CHARS = 20_000;

export function classifyReason(input: ReasonInput): ReasonResult {
  const head = (s: string) => (s.length > READ_CHARS ? s.slice(0, READ_CHARS) : s);
  const read = { ...input, subject: head(input.subject), body: head(input.body), fallback: input.fallback && head(input.fallback) };
  return blend(classifyByRules(read), read);
}

function classifyByRules(input: ReasonInput): ReasonResult {
  const primary = classifyText(input.subject, input.body, input.hints);
  if (primary.code !== 'OTH' || !input.fallback) return primary;
  const forwarded = classifyText(input.subject, input.fallback, input.hints);
  return forwarded.code === 'OTH' ? primary : { ...forwarded, confidence: round(forwarded.confidence * 0.85) };
}

// The learned fallback (learned.ts, model.json) reads only what the rules could not: when they find no
// reason (OTH), the model's reading is taken if its posterior is at least MODEL_MIN_P. A confident rule
// decision is never overridden. The model's answer carries a confidence below LOW_CONFIDENCE (0.6), so the
// approver always sees it as a warning. Chosen among three pre-declared blends on heldout-4 (see
// tests/dispute/heldout.test.ts); it took that untouched corpus from 60% to 92% on reason_code. heldout-4 is
// now training data, and so are heldout-5 and heldout-6; heldout-7 is the corpus the model never sees. A
// fourth blend (also let a >= 0.9 model override a rule decision scoring below 2 * MIN_SCORE) was measured on
// heldout-7: no gain there (1.0 either way) and heldout-6 fell to 0.979, so it was not adopted.
const MODEL_MIN_P = 0.5;
const MODEL_CONFIDENCE = SECOND_OPINION_CONFIDENCE;

function blend(rules: ReasonResult, input: ReasonInput): ReasonResult {
  if (rules.code !== 'OTH') return rules;
  const m = predict(MODEL as ModelData, input);
  if (m.code === 'OTH' || m.p < MODEL_MIN_P) return rules;
  return { code: m.code, confidence: Math.min(MODEL_CONFIDENCE, round(m.p)), evidence: `learned fallback (p=${m.p}): ${m.terms.join(', ')}`, secondary: [], scores: rules.scores };
}

function classifyText(subject: string, body: string, hints: ReasonInput['hints'] = {}): ReasonResult {
  const s = score(repairTypos(subject), repairTypos(body));
  const bump = (code: ReasonCode, by: number) => {
    const e = s.get(code)!;
    if (e.score > 0) e.score += by;
  };
  if (hints.payment_refs) bump('PAID', 0.5);
  if (hints.credit_memos) bump('CRN', 1);
  if ((hints.distinct_invoices ?? 0) >= 2) bump('DUP', 0.5);

  const ranked = REASON_CODES.filter((c) => c !== 'OTH')
    .map((code) => ({ code, ...s.get(code)! }))
    .sort((a, b) => b.score - a.score);
  const scores = Object.fromEntries(ranked.filter((r) => r.score > 0).map((r) => [r.code, round(r.score)])) as ReasonResult['scores'];
  const top = ranked[0]!;
  if (top.score < MIN_SCORE) {
    const oth = s.get('OTH')!;
    return { code: 'OTH', confidence: oth.score > 0 ? 0.55 : 0.5, evidence: oth.best?.sentence ?? '', secondary: [], scores };
  }
  const close = ranked.filter((r) => r.score >= MIN_SCORE * 2 && r.score >= top.score * NEAR_TIE);
  const claims = close.filter((r) => !close.some((o) => PREMISE[o.code]?.includes(r.code)));
  const chosen = claims.length > 1 ? claims.reduce((a, b) => (b.first < a.first ? b : a)) : (claims[0] ?? top);
  const runnerUp = ranked.find((r) => r.code !== chosen.code)!;
  const background = BACKGROUND[chosen.code] ?? [];
  const secondary = ranked
    .filter((r) => r.code !== chosen.code && !NEVER_SECONDARY.includes(r.code) && !background.includes(r.code))
    .filter((r) => r.score >= 2.5 && r.score >= chosen.score * 0.5)
    .map((r) => r.code);
  let confidence = 1 - Math.exp(-chosen.score / 3);
  if (runnerUp.score >= chosen.score * NEAR_TIE && !secondary.includes(runnerUp.code)) confidence *= 0.85;
  return { code: chosen.code, confidence: round(Math.min(0.97, confidence)), evidence: chosen.best?.sentence ?? '', secondary, scores };
}

const round = (x: number) => Math.round(x * 100) / 100;
