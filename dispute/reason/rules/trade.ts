// Trade vocabulary: how each reason is said by people who never use its textbook keyword. Food buyers say
// "temperature abuse" or "short-dated", carriers' customers say "liftgate" or "accessorials", SaaS buyers
// say "seats never provisioned", construction says "unit rate per the change order", healthcare says "GPO
// tier". Added to the per-reason rules of billing.ts and goods.ts (same weights and conventions).
import type { ReasonCode } from '../../types.ts';
import { CREDIT_CONTEXT, N, NOT, TAX_ON_FREIGHT, rx, type Rule } from './shared.ts';

// Something sold by the unit: "$8.40 per box", "$15.85/sheet", "$22 a case".
const UNIT_PRICE = String.raw`\$\s?[\d,]+(\.\d+)? ?(per \w+|/ ?[a-z]+\b|each\b|ea\b|an? (unit|piece|box|case|sheet|roll|pallet|carton|bag|drum|kit|pack|foot|ft|lb|gallon|hour|seat|license|user|month)\b)`;
const DAMAGE = String.raw`(cracked|broken|damaged|dented|scratched|crushed|torn|shattered|bent|leaking|smashed|chipped|ripped|warped|stained|wet|soaked|mou?ldy|rotten|spoiled|thawed|melted|defective|faulty|dead)`;

// A tier reached by volume is a discount; a tier of a group-purchasing or contract programme is a price.
const VOLUME_TIER = /\b(promo\w*|discount|rebate|sale|tax|freight|shipping)\b|^(?!.*\b(gpo|contract(ed)?|group purchasing|buying group)\b).*\btier(ed)?\b/i;

export const TRADE_RULES: Partial<Record<ReasonCode, Rule[]>> = {
  PRC: [
    // Group-purchasing and contract tiers are contract prices (healthcare GPOs, co-ops, buying groups).
    { re: rx(String.raw`\b(gpo|group purchasing|purchasing (group|organi[sz]ation|consortium)|buying group|co-?op|member(ship)?|contract(ed)?|negotiated)( \w+){0,2} (price|prices|pricing|rate|rates|tier)\b`), w: 2 },
    { re: rx(String.raw`\b(price|prices|pricing|rate|rates|tier)( \w+){0,2} (was |were |is |are |has |have )?${NOT} (been )?(honou?red|applied|used|reflected|given|respected|loaded)\b`), w: 3, unless: VOLUME_TIER },
    { re: rx(String.raw`\b(bills?|billed|charges?|charged|invoices?|invoiced|lists?) (us )?(for )?${N} (\S+ ){1,3}at ${UNIT_PRICE}`), w: 2 },
    { re: rx(String.raw`\b(at|@) ${UNIT_PRICE}`), w: 1 },
    { re: rx(String.raw`\bunit (price|rate|cost)s?\b|\b(bid|quoted|contract) (sheet|rate|unit rate|schedule)\b`), w: 1.5 },
    // A price fixed by a document: "change order #7 locked it at $14.20", "rate locked in at".
    { re: rx(String.raw`\b(locked|fixed|set|capped) (it |the (price|rate) |in )?at \$|\b(price|rate)s? (was |were |is )?(locked|fixed|capped)\b|\bchange order\b[^.!?\n]{0,80}\b(price|rate|\$)`), w: 2 },
    { re: rx(String.raw`\b(charged|billed|invoiced|priced) (at |with )?(the )?(old|previous|last year'?s|outdated|former|standard|retail|full) (rate|price|pricing|list)\b|\b(old|new) rate\b`), w: 2, unless: TAX_ON_FREIGHT },
  ],
  DSC: [
    // Early-payment terms are a discount: "2/10 net 30", "2% 10 net 30", "prompt pay".
    { re: rx(String.raw`\b\d+(\.\d+)? ?%? ?\/ ?\d+,? ?net ?\d+\b|\b\d+(\.\d+)? ?% \d+,? ?(days )?net ?\d+\b|\b(prompt|early)[- ]pay(ment)?\b`), w: 2 },
    { re: rx(String.raw`\b(paid|remitted|pay) (\w+ ){0,2}within (the )?(first )?(\d+|five|seven|ten|fifteen|twenty|thirty) days\b|\b\d+(\.\d+)? ?% (should|was supposed to|ought to) (have )?(come|been (taken|deducted|knocked)) off\b|\bwithin the discount (period|window)\b`), w: 1.5 },
    { re: rx(String.raw`\b(introductory|launch|opening|first[- ]order|new[- ]customer|loyalty|volume|tier(-| )?\d?|growth) (offer|allowance|incentive|reduction|credit|deal|price break|pricing)\b|\bprice break\b`), w: 2, unless: /\b(tax|freight)\b/i },
    // A volume threshold the customer says they crossed: "once we pass 2,000 cases", "5% reduced tier".
    { re: rx(String.raw`\b(once|when|after|since|as soon as) (we|our (\w+ )?(purchases|spend|orders|volume)) (have |had )?(pass|passed|reach|reached|exceed|exceeded|cross|crossed|hit|top|topped|go over|went over|surpass|surpassed)\b[^.!?\n]{0,30}\d`), w: 3 },
    { re: rx(String.raw`\b\d+(\.\d+)? ?% (reduced |lower |discount |rebate )?(tier|bracket|band)\b|\b(reduced|lower|discounted|next|volume) (tier|bracket|band)\b`), w: 2.5 },
  ],
  QTY: [
    { re: rx(String.raw`\b(pallet|case|carton|box|piece|unit|bag|item|bundle|roll|package|skid|drum|bottle|tote|crate)s? count\b|\bcount (mismatch|discrepancy|is off|was off)\b`), w: 2 },
    { re: rx(String.raw`\b(receiving|receipt|dock|warehouse) (log|report|record|records|sheet|slip|ticket)s? (\S+ ){0,4}(shows?|says|lists?|has|had|records?)\b`), w: 2, unless: /\b(no|never|not)\b/i },
    { re: rx(String.raw`\b${N} (\S+ ){0,2}(checked|signed|logged|scanned) in\b`), w: 2 },
  ],
  DMG: [
    // Food and cold chain: spoiled on arrival is damage even when nothing is broken.
    { re: rx(String.raw`\b(temperature|temp)[- ](abuse|abused|excursion|failure|issue|problem|out of range)\b|\bout of temp(erature)?\b|\b(reefer|refrigeration|cooling|freezer)( unit)? (failed|failure|broke|malfunction\w*|went out)\b|\bcold[- ]chain\b|\bdata ?logger\b`), w: 2.5, neg: true },
    { re: rx(String.raw`\b(condemned|discarded|destroyed|dumped|quarantined)\b|\bhad to (throw|toss|dump|destroy|discard|bin)\b|\b(threw|thrown|tossed) (\w+ ){0,2}out\b`), w: 1.5, neg: true },
    { re: rx(String.raw`\bshort[- ]dated\b|\bclose[- ]dated\b|\b(shelf[- ]life|code date|best[- ]by|sell[- ]by|use[- ]by)\b|\boff[- ](odou?r|smell|taste)\b|\binfest(ed|ation)\b`), w: 1.5, neg: true },
    { re: rx(String.raw`\b(came|arrived|delivered|showed up|turned up)( \w+){0,2} (with|in) (\w+ ){0,3}${DAMAGE}\b`), w: 2.5, neg: true },
    { re: rx(String.raw`\bdead (out of|in) the box\b|\b(won't|will not|doesn't|does not|don't|do not|can't|cannot) (take|hold|keep) (a |the )?charge\b`), w: 2.5 },
  ],
  WRG: [
    // "ordered the green ones, what came is the orange ones".
    { re: rx(String.raw`\bordered\b.{0,80}\bwhat (came|arrived|showed up|turned up|was delivered|was shipped|you sent|we got|we received)\b`), w: 2.5 },
    { re: rx(String.raw`\b(swap|exchange) (them|it|these|those|the \w+)( out)?\b|\bswap (out|for)\b`), w: 1.5 },
  ],
  NRC: [
    // Refused before receipt: nothing was kept ("turned it away at the door", "never took receipt").
    { re: rx(String.raw`\b(never|not|didn't|did not) (took|take|taken|accept|accepted) (receipt|possession|delivery)\b`), w: 3 },
    { re: rx(String.raw`\b(refused|rejected|turned away|declined) (the )?(delivery|shipment|truck|load|order)\b|\bturned (it|them|the (truck|driver|delivery|shipment|load)) away\b|\b(refused|rejected) at (the )?(dock|door|gate)\b`), w: 2 },
  ],
  SNR: [
    // Software and subscriptions: seats or licenses billed but never switched on.
    { re: rx(String.raw`\b(licen[cs]es?|seats?|users?|subscriptions?|instances?|modules?|add-?ons?|tenants?|accounts?)\b[^.!?\n]{0,40}\b(were|was|are|is|have|has)? ?${NOT} (yet )?(been )?(provisioned|activated|deployed|enabled|assigned|set up|turned on|onboarded|live|used)\b`), w: 3 },
    { re: rx(String.raw`\b(only|never) (ever )?(provisioned|activated|deployed|onboarded|enabled|rolled out)\b`), w: 2.5 },
    { re: rx(String.raw`\b(badge|gate|sign[- ]in|visitor|front desk|security|access) (logs?|records?|sheets?|book)\b|\bno (\w+ )?(visit|sign-?off|signed (checklist|report|ticket)|work order|service ticket)\b`), w: 1.5 },
    { re: rx(String.raw`\b(dispute|contest|question|challenge)\w* ${N}? ?(of )?(the )?(hours|days|visits|sessions)\b|\bhours (that were |which were )?(not|never) (worked|performed|spent)\b`), w: 2.5 },
    // The provider called it off: "the trainer cancelled both days and never rescheduled".
    { re: rx(String.raw`\b(consultant|technician|engineer|contractor|crew|tech|installer|trainer|instructor|inspector|you|your (team|office|company|side))s? (cancell?ed|postponed|called off|pulled out of|no[- ]showed)\b|\bnever (re-?scheduled|re-?booked)\b`), w: 2.5 },
    { re: rx(String.raw`\bon-?site (training|visit|support|work|service|session)s?\b`), w: 1 },
    { re: rx(String.raw`\b(consultant|technician|engineer|contractor|crew|tech|installer|trainer)s?( \w+)? on[- ]?site (for )?only (one|1|two|2|three|3|half|a) (day|days|hour|hours)\b`), w: 2.5 },
  ],
  DUP: [
    { re: rx(String.raw`\b(same|identical) (\S+ ){0,3}(load|job|work|service|fee|month|period|visit|ticket|truck|run|pallets?|shipment|delivery|order)\b`), w: 1.5 },
    { re: rx(String.raw`\b(sent|issued|billed|invoiced|raised|created|charged) (us )?(\S+ ){0,3}(and|&) (\S+ ){0,3}for the same\b|\b(appears?|shows? up|shown|listed|included|charged|billed) (both )?(on|in) both\b`), w: 3 },
    { re: rx(String.raw`\bvoid (one|one of (them|these|the two)|the (second|other|later|newer|duplicate)( one| invoice| bill)?)\b|\b(only|just) (be )?(charged|billed|invoiced) once\b`), w: 2.5 },
    { re: rx(String.raw`\b(remove|void|cancel|credit|delete|take) (it|this|that|the (charge|fee|line)) (off |out )?(from|on|of) the (second|later|newer|other|duplicate) (invoice|bill|one)\b`), w: 2.5 },
  ],
  PAID: [
    // Non-native tense: "I pay this one already", "we payed it".
    { re: rx(String.raw`\b(i|we) (pay|payed|settle|settled) (this|it|that|the invoice|the bill)( one)? already\b|\balready (pay|payed|settle)\b|\bpayed\b`), w: 3, unless: CREDIT_CONTEXT },
    { re: rx(String.raw`\b(with|by|on|via|using|over) (the |my |our |a |company )?(credit card|card|visa|amex|mastercard|phone payment)\b`), w: 1 },
    // Idioms for settled: "this was taken care of last month via our payment portal".
    { re: rx(String.raw`\b(was|were|has been|have been|got|already) (taken care of|handled|squared away|settled up|cleared up)\b|\b(via|through|on|in) (our |the |your )?(payment portal|bill ?pay|online banking|bank portal)\b`), w: 2, unless: CREDIT_CONTEXT },
    { re: rx(String.raw`\b(payment |remittance |bank |transfer )?confirmation (is |was )?(attached|enclosed|number)\b`), w: 1 },
    { re: rx(String.raw`\b(another|again|still|new) (\w+ ){0,2}(letter|reminder|notice|dunning)s?\b|\b(letter|reminder|notice)s? again\b`), w: 1 },
  ],
  CRN: [
    { re: rx(String.raw`\b(took|taken|picked up|collected|hauled) (them|it|the \w+|everything|all of it)( \w+){0,2} back\b`), w: 1.5 },
  ],
  TAX: [
    { re: rx(String.raw`\b\d{1,2}\.\d{2,3} ?%`), w: 1.5, unless: /\b(late|finance|interest|monthly|per month|discount|rebate|fuel)\b/i },
    { re: rx(String.raw`\b(deliver(ed|y)|ship(ped)?|sent) to (our|the|a) (\S+ ){0,4}(property|location|site|store|branch|office|warehouse)\b[^.!?\n]{0,60}\b\d+(\.\d+)? ?%`), w: 2, unless: /\b(discount|rebate|late|finance|interest)\b/i },
    { re: rx(String.raw`\bjurisdiction\b|\b(county|state|city|municipal|local|district|destination|origin)('s)?( \w+)? rate\b`), w: 2 },
  ],
  PO: [
    // Billed to the wrong party, said as the right one: "please bill X Holdings, not X, going forward".
    { re: rx(String.raw`\b(bill|invoice|address|issue) (it |them |invoices |this |these )?(to )?(\w+ ){1,5}(going forward|from now on|instead of (us|the \w+)|rather than)\b|\b(bill|invoice|address) (\w+ ){1,4}\w+, not \w+`), w: 2, unless: /\b(price|rate|tax|freight|quantity|units?|cases?|contacts?|e-?mail|mailing|distribution)\b/i },
  ],
  FRT: [
    // Carrier accessorials are freight charges.
    { re: rx(String.raw`\b(accessorials?|lift[- ]?gates?|tail[- ]?gates?|detention|demurrage|drayage|re-?delivery|residential (delivery|surcharge|fee)|inside delivery|limited[- ]access|hazmat (fee|surcharge)|dim(ensional)? weight|appointment (fee|charge))\b`), w: 3, unless: TAX_ON_FREIGHT },
  ],
  NOI: [
    { re: rx(String.raw`\b(submit|upload|send|resubmit|enter|load) (it|the invoice|this invoice|invoices?|them) (through|via|in|on|to|into) (our|the) (\w+ )?(portal|platform|network)\b`), w: 2 },
    { re: rx(String.raw`\b(email|e-mail|send|forward|mail) (it|them) (over|across|through|again)\b`), w: 1.5, unless: /\b(correct(ed)?|revised?|updated?|amended?|fix|without|change|adjust(ed)?|reissue)\b/i },
  ],
};
