// Word-level tolerance for the reason rules: a light stemmer (so "receive", "received", "receiving" and
// the non-native "are arrive" meet on one form) and a typo repair for the domain words AR clerks
// misspell ("recieved", "invocie", "damadged"). Both are cheap: no dictionary beyond the domain words.

// Irregular forms the suffix stripper cannot reach, mapped to their stem. A Map, not an object: the words
// come from customers, and "constructor" or "__proto__" would find Object.prototype's members in an object.
const IRREGULAR = new Map<string, string>(Object.entries({
  got: 'get', gotten: 'get', forgot: 'forget', forgotten: 'forget', came: 'come', sent: 'send', paid: 'pay', brought: 'bring', took: 'take', taken: 'take',
  gave: 'give', given: 'give', shown: 'show', went: 'go', gone: 'go', made: 'make', bought: 'buy', left: 'leave',
  broke: 'break', broken: 'break', torn: 'tear', tore: 'tear', bent: 'bend', saw: 'see', seen: 'see', told: 'tell',
  said: 'say', sold: 'sell', shipped: 'ship', shipping: 'ship', ships: 'ship', billed: 'bill', billing: 'bill', bills: 'bill',
  charged: 'charg', charges: 'charg', charging: 'charg', charge: 'charg', invoices: 'invoic', invoiced: 'invoic',
  goods: 'goods', stuff: 'stuff', was: 'be', were: 'be', is: 'be', are: 'be', been: 'be', am: 'be', has: 'have', had: 'have',
  does: 'do', did: 'do', done: 'do', wrote: 'write', written: 'write', mailed: 'mail', thru: 'through',
}));

/** "arrived" → "arriv", "boxes" → "box", "shipping" → "ship", "deliveries" → "deliver". */
export function stem(word: string): string {
  const w = word.toLowerCase();
  const irregular = IRREGULAR.get(w);
  if (irregular) return irregular === w ? w : stem(irregular);
  if (w.length <= 3) return w;
  let s = w;
  if (/ies$/.test(s) || /ied$/.test(s)) s = s.slice(0, -3) + 'y';
  else if (/(ss|us|is)$/.test(s)) s = s;
  else if (/(xes|ches|shes|sses)$/.test(s)) s = s.slice(0, -2);
  else if (/ing$/.test(s) && s.length > 5) s = s.slice(0, -3);
  else if (/ed$/.test(s) && s.length > 4) s = s.slice(0, -2);
  else if (/s$/.test(s)) s = s.slice(0, -1);
  if (/ly$/.test(s) && s.length > 5) s = s.slice(0, -2);
  if (/([bdgklmnprt])\1$/.test(s)) s = s.slice(0, -1);
  if (/e$/.test(s) && s.length > 3) s = s.slice(0, -1);
  if (/y$/.test(s) && s.length > 3) s = s.slice(0, -1) + 'i';
  return s;
}

// The domain words worth repairing: the ones the rules hinge on. Short words are left alone (too many
// real words sit one letter away from them).
const DOMAIN_WORDS = `invoice invoices invoiced received receive receiving receipt delivered delivery deliver shipment
  shipped shipping arrived arrive damaged damage broken defective cracked crushed duplicate duplicated payment
  payments already credit credited refund returned return quantity quantities missing discount rebate promotion
  pricing price prices quoted quote contract agreement agreed overcharged charged billed freight expedited
  overnight exempt exemption certificate taxable terms interest penalty finance purchase reissue address
  statement remittance wired transfer cheque mailed cleared technician installation service scheduled cancelled
  canceled substituted substitution incorrect ordered separate warehouse tracking balance outstanding applied
  issued rejected approved resend shortage partial backordered surcharge handling pickup calibration maintenance
  training appointment performed completed rendered finished amount difference discrepancy unpaid overdue
  separately different authorization leaking scratched replacement subscription original accidentally
  commission commissioning exchange wrongly packing`.split(/\s+/).filter(Boolean);
const VOCAB = new Set(DOMAIN_WORDS);
// Inflections of a domain word ("receives", "credits") are spelled right; only true misspellings are repaired.
const STEMS = new Set(DOMAIN_WORDS.map(stem));
const BY_LENGTH = new Map<number, string[]>();
for (const w of DOMAIN_WORDS) BY_LENGTH.set(w.length, [...(BY_LENGTH.get(w.length) ?? []), w]);

/** One edit away: a swap of neighbours, one letter dropped or added, or (long words only) one letter changed. */
function oneEdit(a: string, b: string): boolean {
  if (a === b) return false;
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length === 2) return diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
    return diff.length === 1 && a.length >= 8;
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  if (l.length - s.length !== 1) return false;
  let i = 0;
  while (i < s.length && s[i] === l[i]) i++;
  return s.slice(i) === l.slice(i + 1);
}

/** The domain word a misspelled token stands for, or null. The first letter must agree (typos rarely hit it). */
export function repairWord(token: string): string | null {
  const t = token.toLowerCase();
  if (t.length < 5 || VOCAB.has(t) || STEMS.has(stem(t))) return null;
  const hits = new Set<string>();
  for (const len of [t.length - 1, t.length, t.length + 1]) {
    for (const w of BY_LENGTH.get(len) ?? []) if (w[0] === t[0] && oneEdit(t, w)) hits.add(w);
  }
  // Two candidates ("prise" → price/prices?) means the token is too ambiguous to touch.
  return hits.size === 1 ? [...hits][0]! : null;
}

// Contractions typed without the apostrophe ("hasnt", "didnt", "cant") still negate.
const BARE_CONTRACTION = /\b(has|have|had|did|does|do|is|was|were|are|could|would|should|wo|ca)nt\b/gi;

/** The text with misspelled domain words repaired in place; everything else is left as written. */
export function repairTypos(text: string): string {
  // A long text repeats its words: each is looked up once.
  const repaired = new Map<string, string | null>();
  return text.replace(BARE_CONTRACTION, "$1n't").replace(/[A-Za-z]{5,}/g, (w) => {
    let fixed = repaired.get(w);
    if (fixed === undefined) repaired.set(w, (fixed = repairWord(w)));
    if (!fixed) return w;
    return w === w.toUpperCase() ? fixed.toUpperCase() : w[0] === w[0]!.toUpperCase() ? fixed[0]!.toUpperCase() + fixed.slice(1) : fixed;
  });
}
