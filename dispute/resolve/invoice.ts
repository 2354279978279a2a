// Decides which invoice is disputed. Candidates from the email are confirmed against the customer's
// invoices in the mirror; when two are named, the one the complaint is about wins (a duplicate-billing
// claim disputes the later-dated invoice); a number that exists nowhere keeps the cited form, spelled
// the way this account numbers its invoices, with invoice_exists false. Never silently "corrected".
import type { EmailReading, SourcedCandidate } from '../read/email.ts';
import type { Found, InvoiceRow, ReasonCode } from '../types.ts';
import { inferInvoice } from './infer.ts';
import { invoiceKey, type MirrorRows } from './plan.ts';

export interface InvoiceDecision extends Found<string | null> {
  exists: boolean;
  row: InvoiceRow | null;
  warnings: string[];
}

interface Group {
  key: string;
  mentions: SourcedCandidate[];
  rows: InvoiceRow[];
}

// What the customer says about each invoice is read in the clause that names it (plus a relative clause
// right after it: "INV-004131, which we have no problem with"), not the whole sentence: "we'll pay 4131
// this week, but 4133 is wrong" names both in one sentence and disputes one.
// Words that say an invoice is fine, acknowledged or paid as billed ("INV-004811 is correct").
const NOT_DISPUTED = /\b(is|looks|was|are|seems) (correct|fine|ok|okay|accurate|right|in order)\b|\bno (issue|problem|complaint|question)s? (with|on|about)\b|\b(will|'ll|shall|can) (be )?pa(y|id)\b|\bapproved (it )?(for payment)?\b|\bas billed\b|\bwe (will|can|shall) pay\b|\b(payment run|released for payment|scheduled for payment)\b|\bwe owe nothing\b/i;
const PAID_REMARK = /\b(was|were|is|has been) paid\b|\bpaid (in full|by|via|on)\b/i;
// Words that dispute the invoice they stand beside.
const DISPUTED = /\b(disput\w*|contest\w*|short[- ]?(paid|pay\w*|shipped|delivered)|deduct\w*|withh[eo]ld\w*|holding (back|payment)|on hold|not pay(ing)?|won't pay|will not pay|refus\w*|wrong|incorrect|error|overcharg\w*|overbill\w*|damaged|cracked|broken|missing|never (arrived|came|received|delivered)|problem with|issue with|querying|mistake|duplicate|bills? (us )?(at|for)|charged? (us )?(at|for))\b/i;
// Set aside: "we are looking at separately", "dealt with separately", "a separate issue".
const ELSEWHERE = /\b(separately|separate (issue|matter|email|case|dispute|ticket)|(dealt with|handled|covered|raised) (separately|elsewhere|in (a|another) (separate )?(email|ticket|case)))\b/i;
// Named only for comparison ("unlike INV-004131", "same as on INV-004120").
const MENTION_ONLY = /\b(unlike|compared (to|with)|same as|as (on|with|per)|like (on|in)|similar to|cf\.?)\s+(\S+\s+){0,2}$/i;
const CLAUSE_BREAK = /[;,]\s|:\s|\s-+\s|\s(?=(?:but|however|whereas|while|although|though|yet)\b)|\n/gi;

/** The clause of the mention's sentence that holds it, with a relative clause that follows it. */
function scopeOf(m: SourcedCandidate): { before: string; clause: string } {
  const s = m.sentence;
  const at = s.indexOf(m.raw);
  if (at < 0) return { before: '', clause: s };
  const cuts = [0];
  for (const x of s.matchAll(CLAUSE_BREAK)) cuts.push(x.index! + x[0].length);
  cuts.push(s.length);
  let i = 0;
  while (i + 1 < cuts.length - 1 && cuts[i + 1]! <= at) i++;
  let end = cuts[i + 1]!;
  const next = s.slice(end, cuts[i + 2] ?? s.length);
  if (/^\s*(which|that|who)\b/i.test(next)) end = cuts[i + 2] ?? s.length;
  return { before: s.slice(cuts[i]!, at), clause: s.slice(cuts[i]!, end) };
}

/**
 * The invoice the email disputes. `reasonEvidence` is the sentence the reason was read from: an invoice named
 * in it is the one the complaint is about.
 */
export function resolveInvoice(reading: EmailReading, customerId: number | null, rows: MirrorRows, reason: ReasonCode, reasonEvidence = ''): InvoiceDecision {
  const warnings: string[] = [];
  let cands = reading.invoices;
  // Numbers only in quoted reply history: trust them when the history is a forward, or when it names
  // a single invoice the customer answers about ("we paid this" under a reminder). A missing-invoice
  // request is about an invoice nobody has numbered yet.
  if (cands.length && cands.every((c) => c.source === 'history') && !reading.parts.forwarded) {
    const keys = new Set(cands.map((c) => c.key));
    if (reason === 'NOI' || keys.size > 1) {
      warnings.push(`no invoice number in the message itself; the quoted history mentions ${[...new Set(cands.map((c) => c.raw))].join(', ')}`);
      cands = [];
    }
  }
  const groups = groupCandidates(cands, rows, customerId);
  if (groups.length === 0) {
    const found = inferred(reading, customerId, rows) ?? none('no invoice number in the email');
    return Object.assign({}, found, { warnings: [...warnings, ...found.warnings] });
  }

  // The invoices to choose among: every number the mirror confirms, and every cited one ("invoice 4313",
  // "INV-004313") even when the mirror does not know it — a customer may dispute an invoice we cannot find
  // ("INV-004313 looks like a duplicate of INV-004314, please cancel INV-004313"). Which one the new text
  // disputes is a score (pickDisputed); being found in the mirror is one of its terms, not a filter.
  const pool = groups.filter((g) => g.rows.length > 0 || g.mentions.some((m) => m.labelled));
  if (pool.length === 0) {
    // A bare number only counts when the mirror knows it.
    const w = `numbers in the email (${groups.map((x) => x.mentions[0]!.raw).join(', ')}) match no invoice in the mirror`;
    const found = inferred(reading, customerId, rows) ?? none('no invoice number in the email');
    return Object.assign({}, found, { warnings: [...warnings, w, ...found.warnings] });
  }
  const chosen = pool.length === 1 ? pool[0]! : pickDisputed(pool, reason, reading, reasonEvidence, warnings);
  const several = pool.length > 1 ? 0.15 : 0;

  if (chosen.rows.length === 0) {
    const g = chosen;
    const elsewhere = rows.invoices.filter((r) => invoiceKey(r.tranid) === g.key && r.entity !== customerId);
    const cited = g.mentions.find((m) => m.prefix) ?? g.mentions.find((m) => m.labelled)!;
    const ref = formatCited(cited, schemes(rows, customerId, elsewhere));
    warnings.push(
      elsewhere.length && customerId !== null
        ? `${ref} is not an invoice of customer ${customerId}; the mirror has it under customer ${[...new Set(elsewhere.map((r) => r.entity))].join(', ')}`
        : `${ref} was not found in the mirror${customerId !== null ? ` for customer ${customerId}` : ''}`,
    );
    return { value: ref, exists: false, row: null, confidence: 0.7 - several, evidence: cited.sentence, warnings };
  }

  const row = pickRow(chosen);
  const fromHistory = chosen.mentions.every((m) => m.source === 'history');
  if (fromHistory) warnings.push(`${row.tranid} was found only in the quoted history of the email`);
  const labelled = chosen.mentions.some((m) => m.labelled);
  const confidence = (labelled ? 0.95 : 0.75) - several - (fromHistory ? 0.3 : 0);
  return { value: row.tranid, exists: true, row, confidence, evidence: chosen.mentions[0]!.sentence, warnings };
}

function groupCandidates(cands: SourcedCandidate[], rows: MirrorRows, customerId: number | null): Group[] {
  const groups = new Map<string, Group>();
  for (const c of cands) {
    const g = groups.get(c.key) ?? { key: c.key, mentions: [], rows: [] };
    g.mentions.push(c);
    groups.set(c.key, g);
  }
  for (const g of groups.values()) {
    const all = rows.invoices.filter((r) => invoiceKey(r.tranid) === g.key);
    // Scope by customer when known: a tranid can exist under two customers ("Allow Override").
    g.rows = customerId === null ? (new Set(all.map((r) => r.entity)).size === 1 ? all : []) : all.filter((r) => r.entity === customerId);
  }
  return [...groups.values()];
}

function pickDisputed(groups: Group[], reason: ReasonCode, reading: EmailReading, reasonEvidence: string, warnings: string[]): Group {
  let chosen: Group;
  let why: string;
  if (reason === 'DUP') {
    // The later-dated invoice; on the same date the one the customer calls the duplicate, else the one created
    // last (higher id). A cited number the mirror does not know has no date: it is the duplicate only when the
    // customer calls it that or asks to void it.
    // Each group's keys once (a pasted list can cite a hundred numbers; a sort would recompute them).
    const keys = new Map(groups.map((g) => {
      const called = calledDuplicate(g);
      return [g, { date: g.rows.length ? pickRow(g).trandate : called ? '9999' : '0000', called, id: g.rows.length ? pickRow(g).id : 0 }];
    }));
    const k = (g: Group) => keys.get(g)!;
    chosen = [...groups].sort((a, b) => k(b).date.localeCompare(k(a).date) || k(b).called - k(a).called || k(b).id - k(a).id)[0]!;
    why = 'a duplicate-billing claim disputes the later-dated invoice';
  } else {
    const pos = new Set(reading.po_numbers.map((p) => p.value));
    const amounts = new Set(reading.amounts.map((a) => a.value.toFixed(2)));
    const evidence = reasonEvidence.replace(/\s+/g, ' ');
    const score = (g: Group) => {
      const row = g.rows.length ? pickRow(g) : null;
      let s = 0;
      // The mirror knows it: most cited numbers are real invoices, and an unknown one must be argued for.
      if (row) s += 2;
      if (g.mentions.some((m) => m.source === 'subject')) s += 2;
      if (g.mentions.some((m) => m.labelled)) s += 1;
      const scopes = g.mentions.map(scopeOf);
      const fine = scopes.some((x) => NOT_DISPUTED.test(x.clause));
      const disputed = !fine && scopes.some((x) => DISPUTED.test(x.clause));
      if (fine) s -= 3;
      if (disputed) s += 3;
      if (!disputed && reason !== 'PAID' && scopes.some((x) => PAID_REMARK.test(x.clause))) s -= 1;
      if (!disputed && scopes.every((x) => MENTION_ONLY.test(x.before))) s -= 2;
      // Set aside for another time ("INV18341 and INV18347 we are looking at separately").
      if (!disputed && scopes.every((x) => ELSEWHERE.test(x.clause))) s -= 2;
      // Named in the very sentence the reason was read from.
      if (evidence && g.mentions.some((m) => m.source !== 'history' && evidence.includes(m.raw))) s += 1;
      if (row?.otherrefnum && pos.has(row.otherrefnum)) s += 1;
      if (row && amounts.has(Number(row.foreigntotal).toFixed(2))) s += 0.5;
      s += g.mentions.length * 0.25;
      return s;
    };
    const scores = new Map(groups.map((g) => [g, score(g)]));
    chosen = [...groups].sort((a, b) => scores.get(b)! - scores.get(a)! || a.mentions[0]!.start - b.mentions[0]!.start)[0]!;
    why = 'it is the one the complaint is about';
  }
  const name = (g: Group) => (g.rows.length ? pickRow(g).tranid : g.mentions[0]!.raw);
  const others = groups.filter((g) => g !== chosen).map(name);
  warnings.push(`${groups.length} invoices cited; chose ${name(chosen)} because ${why} (also cited: ${others.join(', ')})`);
  return chosen;
}

/** 2 when the customer says "X is a duplicate", 1 when they ask to void or credit X, else 0. */
function calledDuplicate(g: Group): number {
  let best = 0;
  for (const m of g.mentions) {
    const at = m.sentence.indexOf(m.raw);
    if (at < 0) continue;
    const after = m.sentence.slice(at + m.raw.length);
    const before = m.sentence.slice(0, at);
    if (/^\s*(\([^)]*\)\s*)?(is|was|looks like|appears to be|seems to be)( a| to be a)? (duplicate|repeat|copy|double)/i.test(after)) best = Math.max(best, 2);
    // "\s*(#\s*)?", not "\s*#?\s*": two \s* side by side split a run of spaces in quadratically many ways.
    else if (/\b(void|cancel|credit|reverse|remove|delete)( the)?( duplicate)?( invoice)?\s*(#\s*)?$/i.test(before)) best = Math.max(best, 1);
  }
  return best;
}

/** A key can match two numbering schemes (INV18226, INV-018226): prefer the one written, else the latest. */
function pickRow(g: Group): InvoiceRow {
  const written = g.mentions.map((m) => m.raw.toUpperCase().replace(/[^A-Z0-9]/g, ''));
  const exact = g.rows.find((r) => written.includes(r.tranid.toUpperCase().replace(/[^A-Z0-9]/g, '')));
  const sameDigits = g.rows.find((r) => g.mentions.some((m) => r.tranid.replace(/\D/g, '') === m.digits));
  return exact ?? sameDigits ?? [...g.rows].sort((a, b) => b.trandate.localeCompare(a.trandate))[0]!;
}

/** No number cited, but the customer's PO, payment or amount names exactly one of its invoices. */
function inferred(reading: EmailReading, customerId: number | null, rows: MirrorRows): InvoiceDecision | null {
  const hit = inferInvoice(reading, customerId, rows);
  if (!hit) return null;
  const w = `no invoice number in the email; ${hit.row.tranid} inferred ${hit.how}`;
  return { value: hit.row.tranid, exists: true, row: hit.row, confidence: 0.55, evidence: hit.evidence, warnings: [w] };
}

const none = (why: string): InvoiceDecision => ({ value: null, exists: false, row: null, confidence: 0.9, evidence: why, warnings: [] });

interface Scheme {
  prefix: string;
  sep: string;
  width: number;
}

function schemes(rows: MirrorRows, customerId: number | null, elsewhere: InvoiceRow[]): Scheme[] {
  const own = rows.recent_tranids.filter((t) => customerId === null || t.entity === customerId).map((t) => t.tranid);
  const list = [...own, ...elsewhere.map((r) => r.tranid), ...rows.recent_tranids.map((t) => t.tranid)];
  return list
    .map((t) => /^([A-Za-z]+)([-\s]?)(\d+)$/.exec(t))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ prefix: m[1]!.toUpperCase(), sep: m[2]!, width: m[3]!.length }));
}

/** The cited number in this account's spelling: "inv 4443" → "INV-004443" when invoices look like INV-004442. */
export function formatCited(c: { raw: string; prefix: string | null; digits: string; key: string }, known: Scheme[]): string {
  const same = known.find((s) => s.width === c.digits.length && (!c.prefix || s.prefix === c.prefix));
  // A whole code written without a separator ("INV18330", the old five-digit scheme) is kept as written when
  // no scheme this account is known to use has its width: padding it would invent "INV-018330".
  if (!same && c.prefix && c.digits.length >= 5 && !c.digits.startsWith('0') && c.raw.toUpperCase() === `${c.prefix}${c.digits}`) return c.raw.toUpperCase();
  const fit = same ?? known.find((s) => !c.prefix || s.prefix === c.prefix);
  if (fit && c.key.length <= fit.width) return `${fit.prefix}${fit.sep}${c.key.padStart(fit.width, '0')}`;
  if (c.prefix) return `${c.prefix}-${c.digits}`;
  return c.digits;
}
