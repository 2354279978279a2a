// Memory rules: what a customer's earlier runs (the context's `history`, newest first) say about this one.
// Two rules, both pure and stated in words where they are used:
// - Unsupported PAID claims (dispute/hold.ts): the customer's last three decided PAID claims were all
//   unsupported — rejected by the approver, or approved only after the approver corrected the reason to
//   another code. Expired and blocked runs were never decided and do not count either way.
// - A repeat issue (dispute/reply/draft.ts): the customer raised the same reason before and the approver
//   accepted it as that reason; the reply says so, with the date and invoice of the last one.
import { formatLongDate } from './dates.ts';

/** An earlier run as the history carries it (machines/types.ts: HistoryEntry); only what the rules read. */
export interface PastDispute {
  run_id: number;
  /** When the dispute came in, ISO. */
  at: string;
  invoice_ref: string | null;
  /** The reason as the run ended with it (the approver's correction applied). */
  reason_code: string | null;
  decision: 'approved' | 'rejected' | 'expired' | null;
  corrections: { field: string; from: unknown; to: unknown }[];
}

export type Verdict = 'supported' | 'unsupported';

/** What the customer claimed: the reader's reason before the approver corrected it. */
export function claimedReason(h: PastDispute): string | null {
  const c = h.corrections.find((x) => x.field === 'reason_code');
  return c && typeof c.from === 'string' ? c.from : h.reason_code;
}

/** How the approver judged the claim; null when nobody decided it (expired, blocked). */
export function verdictOf(h: PastDispute): Verdict | null {
  if (h.decision === 'rejected') return 'unsupported';
  if (h.decision !== 'approved') return null;
  return claimedReason(h) !== h.reason_code ? 'unsupported' : 'supported';
}

const day = (iso: string) => iso.slice(0, 10);

/** "run 12 of 2026-11-28 rejected", "run 13 of 2026-11-29 corrected to DSC". */
function describe(h: PastDispute): string {
  const how = h.decision === 'rejected' ? 'rejected' : `corrected to ${h.reason_code ?? 'no reason'}`;
  return `run ${h.run_id} of ${day(h.at)}${h.invoice_ref ? ` (${h.invoice_ref})` : ''} ${how}`;
}

export interface PaidClaimsFinding {
  /** True when the last `threshold` decided PAID claims were all unsupported. */
  fired: boolean;
  /** The rule in words, with the runs it looked at. */
  text: string;
}

export const UNSUPPORTED_PAID_THRESHOLD = 3;

export function unsupportedPaidClaims(history: readonly PastDispute[], threshold = UNSUPPORTED_PAID_THRESHOLD): PaidClaimsFinding {
  const claims = history.filter((h) => claimedReason(h) === 'PAID' && verdictOf(h) !== null).slice(0, threshold);
  const bad = claims.filter((h) => verdictOf(h) === 'unsupported');
  if (bad.length === threshold) {
    return { fired: true, text: `the customer's last ${threshold} PAID claims were unsupported: ${bad.map(describe).join('; ')}` };
  }
  const rule = `hold when the last ${threshold} were all rejected or corrected to another reason`;
  if (claims.length === 0) return { fired: false, text: `no earlier decided PAID claim of this customer on record (${rule})` };
  return {
    fired: false,
    text: `${bad.length} of the customer's last ${claims.length} decided PAID claim${claims.length === 1 ? '' : 's'} ${bad.length === 1 ? 'was' : 'were'} unsupported (${rule})`,
  };
}

export interface RepeatIssue {
  /** How many earlier runs the approver accepted with this reason. */
  times: number;
  last: PastDispute;
}

/** The earlier runs the approver accepted with the same reason (as corrected), newest first; null if none. */
export function repeatIssue(history: readonly PastDispute[], reasonCode: string): RepeatIssue | null {
  const same = history.filter((h) => h.reason_code === reasonCode && verdictOf(h) === 'supported');
  return same.length ? { times: same.length, last: same[0]! } : null;
}

/** The reply's sentence for a repeat issue: the facts of the last one, and that we look at the cause. */
export function repeatSentence(r: RepeatIssue, label: string): string {
  const when = formatLongDate(day(r.last.at), false);
  const which = r.last.invoice_ref ? ` (invoice ${r.last.invoice_ref})` : '';
  const times = r.times === 1 ? 'once before, on' : `${r.times} times before, most recently on`;
  return `You have raised the same issue (${label}) with us ${times} ${when}${which}. Beyond this invoice, we are looking into why it happened again.`;
}
