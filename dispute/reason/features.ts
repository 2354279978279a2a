// Signals a phrase list misses because they are about structure, not words: a sentence that sets two
// prices against each other is a pricing complaint however it is worded ("shown as $95, whereas our
// agreement states $80"), and one that sets two counts against each other is a quantity complaint
// ("received 45 bags instead of 50").
import type { ReasonCode } from '../types.ts';
import type { Reading } from './nlp.ts';
import { alternation } from './vocabulary.ts';

export interface Feature {
  code: ReasonCode;
  weight: number;
  sentence: string;
}

// Digit runs are bounded where a match may start after any comma of "1,1,1,…": unbounded, each start would
// re-read the rest of the run (quadratic time); no amount has more than 24 digits and commas.
const MONEY = /(?:[$€£]\s?|\b(?:USD|EUR|GBP)\s?)\d[\d,]*(?:\.\d+)?|\b\d[\d,]{0,24}\.\d{2}\b/g;
const CONTRAST = /\b(whereas|but|instead|while|vs\.?|versus|rather than|should be|should have been|not|agreed|quoted|contract(ed)?|agreement|quote|quotation|po|purchase order|confirmed|acknowledg(e)?ment)\b/i;
const PRICE_WORD = /\b(price|prices|priced|pricing|rate|rates|cost|charged?|charges|invoiced|billed|bills)\b|\/\s?[a-z]+\b|\bper\b|\beach\b/i;
// Two amounts about tax, freight, fees or discounts belong to those reasons, not to pricing.
const OTHER_MONEY_TOPIC = /\b(tax|taxed|vat|gst|freight|shipping|fee|fees|surcharge|discount|rebate|paid|payment|balance|credit memo|total of)\b/i;
const UNIT_NOUN = alternation('UNIT');
// Any plural noun counts as a unit ("500 labels"), except periods of time.
const COUNT = new RegExp(String.raw`\b\d{1,5}(?:,\d{3})?\s+(?:[a-z"'-]+\s+){0,2}?(?:${UNIT_NOUN}|(?!${alternation('UNCOUNTED')}\b)[a-z]{3,}s)\b`, 'i');
const QTY_CONTRAST = /\b(only|but|instead of|however|short|missing|received|delivered|counted|arrived|dropped|shipped|contained|contains|got|is for|was for|light|ordered|had|found|came with|checked in|logged|unloaded)\b/i;
const UNIT_MONEY = /(?:[$€£]\s?)(\d[\d,]*(?:\.\d+)?)\s?(?:per [a-z]+|\/\s?[a-z]+\b|each\b|ea\b|an? (?:unit|piece|box|case|sheet|roll|pallet|carton|bag|drum|kit|pack|foot|ft|lb|gallon|hour|seat|license|user)\b)/gi;
const DAMAGE_WORDS = new RegExp(String.raw`\b${alternation('DAMAGED')}\b`, 'i');
const NOT_A_COUNT = /\b(?:invoice|inv|po|order|ref(?:erence)?)\.?\s*(?:(?:no\.?|#)\s*)?\d+|(?:[$€£]\s?)\d[\d,]*(?:\.\d+)?|\b\d[\d,]{0,24}\.\d+\b|\b\d+(?:\.\d+)?\s?%|\b[A-Za-z]+-?\d[\w-]*|#\s?\d+|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b(?:19|20)\d{2}\b/gi;

/** The structural signals of a text, read sentence by sentence from the one NLP pass (nlp.ts). */
export function structuralFeatures(reading: Reading): Feature[] {
  const out: Feature[] = [];
  const all = reading.sentences;
  for (const [i, s] of all.entries()) {
    // Both signals set numbers against each other: a sentence without a digit has neither (most lines of a
    // long text), and is passed over without running the patterns below.
    if (!/\d/.test(s.text)) continue;
    const amounts = new Set((s.text.match(MONEY) ?? []).map((a) => a.replace(/[^\d.]/g, '')));
    if (amounts.size >= 2 && PRICE_WORD.test(s.text) && CONTRAST.test(s.text) && !OTHER_MONEY_TOPIC.test(s.text)) {
      out.push({ code: 'PRC', weight: 2, sentence: s.text });
    }
    // Counts are often set against each other across two short sentences ("charges 40 cases. We got 30.").
    const pair = i + 1 < all.length && all[i + 1]!.text.length < 80 ? `${s.text} ${all[i + 1]!.text}` : s.text;
    // "5 of the 8 tables came with cracked tops" counts the damage, not a shortage.
    if (COUNT.test(s.text) && QTY_CONTRAST.test(pair) && !DAMAGE_WORDS.test(s.text)) {
      const numbers = new Set(pair.replace(NOT_A_COUNT, ' ').match(/\b\d{1,5}(?:,\d{3})?\b/g) ?? []);
      if (numbers.size >= 2) out.push({ code: 'QTY', weight: 1.5, sentence: pair });
    }
  }
  // Two unit prices set against each other across sentences ("you used $15.85/sheet. The change order
  // locked it at $14.20/sheet.") are a pricing complaint even when no one sentence holds both.
  const units = all.filter((s) => /[$€£]/.test(s.text) && !OTHER_MONEY_TOPIC.test(s.text)).flatMap((s) => [...s.text.matchAll(UNIT_MONEY)].map((m) => ({ v: m[1]!.replace(/,/g, ''), s })));
  if (new Set(units.map((u) => Number(u.v))).size >= 2 && !out.some((f) => f.code === 'PRC')) {
    out.push({ code: 'PRC', weight: 1.5, sentence: units[0]!.s.text });
  }
  return out;
}
