// Shared pieces of the phrase rules: the rule shape, number words, negations and the contexts that
// tell background words from the complaint. Weights: 3 = says the reason outright ("billed twice"),
// 2 = strong sign, 1 = a hint that only counts together with others. `neg` rules describe a problem and
// are dropped when negated ("no damage"); `unless` lowers a rule when its sentence shows the words are
// context for another reason. The word lists the rules share live in vocabulary.ts (RULE_WORDS).
import { alternation } from '../vocabulary.ts';
export interface Rule {
  re: RegExp;
  w: number;
  neg?: boolean;
  unless?: RegExp;
}

// A count, not a percentage or an amount ("missing 15% off" is no shortage).
export const N = String.raw`(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+(?![\d.,]*\d|\s?%|\.\d))`;
export const SERVICE = alternation('SERVICE_WORK');
export const NOT = String.raw`(?:not|never|n't|no longer)`;
export const CREDIT_CONTEXT = new RegExp(String.raw`\b${alternation('CREDIT_CONTEXT')}\b`);
// Price words about freight or tax belong to FRT or TAX ("shipping is higher than quoted").
export const OTHER_CHARGE = new RegExp(String.raw`\b${alternation('OTHER_CHARGE')}\b`, 'i');
// A person or a service that "never showed up" is a service not rendered, not goods not received.
export const SERVICE_CONTEXT = new RegExp(String.raw`\b${alternation('SERVICE_CONTEXT')}\b`, 'i');

export const rx = (s: string): RegExp => new RegExp(s, 'i');
// Freight words that only say what a tax was computed on belong to TAX ("tax on the freight line").
export const TAX_ON_FREIGHT = /\btax(es|ed)? (on|of) (the )?(\w+ )?(freight|shipping|delivery)\b|\b(freight|shipping|delivery)( \w+)? (is|are|is not|are not|isn't|aren't|not)( \w+)? (taxable|taxed)\b/i;
// Terms words that only frame an early-payment discount ("took the 2% our 2/10 net 30 terms allow") or
// say the undisputed rest will be paid normally ("the rest will be paid on terms") are not a terms dispute.
export const TERMS_BACKGROUND = /\b\d+(\.\d+)? ?%? ?\/ ?\d+,? ?net\b|\b\d+(\.\d+)? ?% \d+,? ?(days )?net\b|\b(prompt|early)[- ]pay(ment)?\b|\bcash discount\b|\b(took|take|taken|deducted) (the |our )?\d+(\.\d+)? ?%|\b(paid|pay|payable) (on|per|within|according to) (our |the |normal |agreed |usual )?terms\b/i;
// Goods already sent back: the damage is the background of a return whose credit is now the question.
export const ALREADY_RETURNED = /\b(returned|(sent|shipped|went|took|taken) (them |it |these |those |the \w+ )?back)\b/i;
