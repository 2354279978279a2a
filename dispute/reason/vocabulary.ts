// The reason reader's vocabulary, kept once: concept → the words that say it. Data, not code: the phrase
// families (families.ts) match their slots against these concepts, the learned model's feature pass
// (signals.ts) turns every concept found in a clause — negated or not, quoted or not — into a feature whose
// weight is learned, the phrase rules and structural signals build their shared word lists from RULE_WORDS,
// and the typo repair (lexicon.ts) repairs misspellings to any word of any table. Add a word here and every
// reader sees it; retrain with `npm run train:reasons`.
//
// Syntax: words separated by spaces; `|` starts multi-word entries; `=word` matches that exact form only
// (families.ts; elsewhere words are compared by wink-nlp's lemma or stem, and `=` is read like a plain word).

/** Concepts of the phrase families (families.ts): ideas in a clause, in order. */
export const CONCEPT_WORDS: Record<string, string> = {
  NEG: 'not never no nothing nobody none neither nor without',
  NOBODY: 'nobody noone|no one|not anyone|not a single person',
  GET: 'get receive arrive come show turn reach land appear see|make it',
  ARRIVE: 'arrive show come deliver land reach turn|make it',
  GOODS: 'goods stuff order shipment delivery deliveries material item product products parts package parcel pallet pallets box carton cartons merchandise equipment supplies load truck',
  INVOICE: 'invoice invoices =bill =bills pdf copy statement',
  PERSON: 'tech technician engineer installer crew consultant trainer contractor inspector electrician plumber mechanic cleaner team guy guys someone anyone staff worker workers',
  VISIT: 'show come visit arrive attend turn appear|made it',
  NOSHOW: 'noshow|no show|no-show',
  WE: 'we i',
  // "paid" itself is left to the rules: "we paid both" or "we paid it by mistake" is background as often as a claim.
  PAYPAST: '=wired =remitted =settled =mailed =transferred',
  // "check" only as a noun ("please check if it was sent" is a verb).
  PAYNOUN: 'payment cheque wire ach transfer remittance fund funds eft|our check|the check|a check|my check|check number|check no',
  CARD: 'card visa amex mastercard',
  CHARGEDX: '=charged =debited =billed =run',
  MOVED: '=mailed =sent =wired =issued =cleared =cashed =deposited =processed =released =submitted =transferred =debited =initiated =left|go out|go through',
  CREDIT: 'credit refund memo adjustment',
  SEE: 'see get receive notice find',
  APPLY: 'apply net offset deduct post|take off|knock off',
  COMEOFF: 'deducted netted applied posted|come off|taken off|came off|gone off|knocked off',
  BALANCE: 'balance invoice statement account',
  WHERE: 'where|what happened to',
  TWICE: 'twice double again repeat duplicate|two time|2 time|second time',
  CHARGE: 'charge bill invoice',
  PROMISE: 'promise agree offer quote commit guarantee tell say confirm',
  DEAL: 'discount rebate promo promotion deal markdown|percent off|off list',
  UNTIL: 'until till til',
  ASK: 'ask request order need want choose authorize approve agree select',
  SPEED: 'overnight expedite expedited rush express priority|next day|next-day|2 day|second day|air',
  PRICE: 'price prices pricing rate rates cost costs',
  RAISE: 'raise increase hike jump|go up|went up',
  OMIT: 'forget miss neglect fail omit',
  TAKEOFF: 'deduct apply give include honor honour|take off|knock off|take the',
  PCT: 'percent discount rebate allowance',
  TAXWORD: 'tax taxes vat gst hst',
  PAYV: 'pay charg bill',
  REISSUE: 'reissue resubmit revise amend redo correct fix|re issue|re submit',
  PONOUN: 'po|purchase order|p o',
  WRONG: 'wrong incorrect different',
  ENTITY: 'company entity department division subsidiary branch|legal name|company name|bill to|business unit|cost center',
  BLOCKPAY: 'invoice payment credit refund bill statement copy pdf',
  // "nothing shows on the invoice" is about the invoice's content, not a missing invoice.
  ON: 'on',
};

/**
 * Topics of a dispute: what the learned pass looks for beside the families' concepts. Each is a feature of
 * its own, and so is each pair of concepts met in one clause ("DAMAGE+GOODS", "PAYMENT+SHORT").
 */
export const TOPIC_WORDS: Record<string, string> = {
  DAMAGE: 'damage damaged broken break crack cracked dent dented scratch scratched crush crushed torn tear shatter shattered bent leak leaking smash smashed chip chipped defective faulty spoil spoiled rotten dead doa wet mould mold rust rusted unusable|water damage|not working|does not work',
  WRONGITEM: 'wrong incorrect different mixed substitute substituted swap swapped mislabeled mislabelled|not what we ordered|instead of|wrong item|wrong size|wrong colour|wrong color|wrong model|wrong part|wrong product',
  SHORT: 'short shortage shorted missing less fewer only partial light underdelivered|short shipped|short-shipped',
  COUNT: 'piece pieces unit units case cases box boxes pallet pallets carton cartons bag bags roll rolls quantity qty count counted',
  PRICE: 'price prices pricing priced rate rates cost costs unit|per unit|unit price|list price|price list',
  AGREED: 'agree agreed agreement contract contracted quote quoted quotation negotiate negotiated catalogue catalog framework|price list|rate card',
  OVER: 'overcharge overcharged overbill overbilled higher more increase increased|too much|over by',
  DISCOUNT: 'discount rebate promo promotion allowance markdown|early payment|prompt payment|volume discount|percent off',
  TWICE: 'twice double duplicate duplicated again repeat|two time|same order|same delivery|billed twice|charged twice',
  PAYMENT: 'pay paid payment remit remitted remittance wire wired ach cheque check transfer transferred settle settled eft|bank transfer',
  PAIDFULL: '=settled|paid in full|already paid|been paid|payment was made|cleared the bank',
  CREDIT: 'credit refund memo|credit memo|credit note',
  TAX: 'tax taxes taxed vat gst hst exempt exemption resale|sales tax|tax exempt|exemption certificate',
  TERMS: 'term terms net due overdue late interest fee fees penalty|late fee|payment terms|net 30|net 60|finance charge',
  PONUM: 'po|purchase order|p.o|order number|reference number',
  FREIGHT: 'freight shipping carrier delivery handling courier expedite expedited surcharge accessorial liftgate pallet-jack|fuel surcharge|shipping charge|delivery charge',
  NOTRECEIVED: '|never receive|not arrive|not deliver|did not get|have not received|not received|never arrived|never came|no delivery',
  SERVICE: 'service visit technician tech installation install training repair maintenance inspection calibration session consultant onboarding|no show|no-show',
  NOINVOICE: 'copy pdf resend re-send|send a copy|never received the invoice|no invoice|cannot find',
  ASKCREDIT: '|issue credit|credit us|please credit|adjust|correct|revise|reissue|re-issue',
  RETURN: 'return returned rma|sent back|send back',
  ACCEPT: 'fine ok okay correct right accurate agree|no issue|no problem|no complaint|we accept|will pay|will be paid',
};

/**
 * Words of the phrase rules (rules/) and the structural signals (features.ts): the lists their regular
 * expressions alternate over, built with `alternation` — spelled out here, every inflection written.
 */
export const RULE_WORDS: Record<string, string> = {
  // Work a supplier does on site: "the installation was never done".
  SERVICE_WORK: 'service services visit installation install commissioning startup start-up training maintenance repair repairs inspection calibration consulting labor labour session setup set-up onboarding cleaning survey assessment audit consultation programming|design work',
  // A person or a service that "never showed up" is a service not rendered, not goods not received.
  SERVICE_CONTEXT: 'technician engineer installer crew tech consultant trainer contractor inspector service visit appointment installation training cleaning maintenance repair session',
  // Price words about freight or tax belong to FRT or TAX ("shipping is higher than quoted").
  OTHER_CHARGE: 'freight shipping handling tax taxes|delivery charge|delivery fee|fuel surcharge',
  CREDIT_CONTEXT: 'refund rebate discount|credit memo|credit note|credit of|credit for',
  // Units a count is given in ("45 bags"); any other plural noun counts too, except UNCOUNTED.
  UNIT: 'pieces pcs units cases boxes pallets cartons bags drums rolls buckets bottles meters metres feet yards gallons kits sets spools items lbs tons crates skids bundles reams dozen packs pairs sheets panels bolts lengths tubes cans jars trays totes',
  UNCOUNTED: 'days weeks months years hours minutes percent seats licenses licences users visits sessions subscriptions',
  // "5 of the 8 tables came with cracked tops" counts the damage, not a shortage.
  DAMAGED: 'cracked broken damaged dented scratched crushed torn shattered bent leaking smashed chipped defective faulty spoiled rotten dead doa',
};

/**
 * Domain words that name no topic of their own. With every word of the tables above they are the words a
 * misspelling is repaired to (lexicon.ts: "recieved" → "received", "invocie" → "invoice").
 */
export const RECORD_WORDS: Record<string, string> = {
  BILLING: 'invoiced payments credited taxable amount difference discrepancy unpaid outstanding original subscription commission authorization address',
  LOGISTICS: 'receiving receipt delivered quantities warehouse tracking backordered pickup packing separate separately replacement exchange substitution',
  STATUS: 'scheduled cancelled canceled rejected approved performed completed rendered finished appointment commissioning accidentally wrongly',
};

/** Every word of the vocabulary, lower case, `=` dropped, multi-word entries split into their words. */
export function allWords(): string[] {
  const out = new Set<string>();
  for (const table of [CONCEPT_WORDS, TOPIC_WORDS, RULE_WORDS, RECORD_WORDS]) {
    for (const [, phrases] of vocabularyEntries(table)) for (const p of phrases) for (const w of p.replace(/^=/, '').toLowerCase().split(/\s+/)) out.add(w);
  }
  return [...out];
}

/** A regular-expression group `(?:…)` matching any entry of `concept` in RULE_WORDS as written (spaces as one or more). */
export function alternation(concept: string): string {
  const entries = vocabularyEntries(RULE_WORDS).find(([c]) => c === concept)?.[1];
  if (!entries) throw new Error(`vocabulary.ts: no RULE_WORDS entry ${concept}`);
  // Longest first, so "credit memo" is tried before "credit".
  const escaped = [...entries].sort((a, b) => b.length - a.length).map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
  return `(?:${escaped.join('|')})`;
}

/** Each concept's words and phrases as written (a leading `=` kept): single words, then multi-word entries. */
export function vocabularyEntries(table: Record<string, string>): [string, string[]][] {
  return Object.entries(table).map(([concept, spec]) => {
    const [single = '', ...multi] = spec.split('|');
    return [concept, [...single.split(/\s+/).filter(Boolean), ...multi.map((m) => m.trim()).filter(Boolean)]];
  });
}
