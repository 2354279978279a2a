// Finds customers named in the email ("Jetstream Aviation's maintenance hangar", a signature line) or
// hiding in an unknown sender's domain (jetstream-mro.example, elmandoakfurniture.com). Contact names
// are deliberately not used: the same person's name exists at several customers.

export interface NamedCustomer {
  id: number;
  companyname: string;
}

export interface CompanyMention {
  id: number;
  how: 'named' | 'domain';
  evidence: string;
}

const SUFFIXES = /\b(inc|incorporated|llc|l\.l\.c|ltd|limited|co|corp|corporation|company|plc|gmbh|pty|the)\b\.?/g;
// Words too common to identify a company from a domain on their own.
const GENERIC = new Set([
  'group', 'supply', 'supplies', 'services', 'service', 'solutions', 'systems', 'industries', 'international',
  'global', 'holdings', 'partners', 'company', 'north', 'south', 'east', 'west', 'central', 'american', 'united',
  'national', 'general', 'first', 'clinic', 'clinics', 'labs', 'foods', 'hotels', 'street', 'valley', 'ridge',
]);

export function normalizeName(s: string): string {
  return normalizeLines(s.replace(/\n/g, ' '));
}

/** normalizeName of each line of `text`, the lines kept apart by "\n". */
function normalizeLines(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/'s\b/g, '')
    .replace(SUFFIXES, ' ')
    .replace(/[^a-z0-9\n]+/g, ' ');
  // Only single spaces are left beside the words: each line trimmed and padded with one space, in two passes.
  return ` ${words.replace(/^ | $/g, '').replace(/ ?\n ?/g, ' \n ')} `;
}

const squash = (s: string) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]/g, '');

/** Customers whose name appears in any of the texts, with the line that names them. */
export function findNamedCustomers(texts: string[], customers: NamedCustomer[]): CompanyMention[] {
  const out: CompanyMention[] = [];
  const all = texts.join('\n');
  // Every line normalized at once and searched as one string: line by line, a long email would cost a few
  // pattern passes per line and a search per line and customer. The lines themselves are needed only to
  // quote the one that names a customer.
  const norm = normalizeLines(all);
  let lines: string[] | null = null;
  let starts: number[] | null = null;
  for (const c of customers) {
    const name = normalizeName(c.companyname);
    // A one-word or very short name would match ordinary words; require something distinctive.
    if (name.trim().length < 5) continue;
    const at = norm.indexOf(name);
    if (at < 0) continue;
    lines ??= all.split('\n');
    if (!starts) {
      starts = [0];
      for (let i = norm.indexOf('\n'); i >= 0; i = norm.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    // The line it is on: the last line start at or before it.
    let lo = 0;
    let hi = starts.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid;
    }
    out.push({ id: c.id, how: 'named', evidence: lines[lo]!.trim() });
  }
  return out;
}

/** Customers whose name is spelled inside the sender's domain (not an exact domain match). */
export function findDomainCustomers(domain: string | null, customers: NamedCustomer[]): CompanyMention[] {
  if (!domain) return [];
  const label = domain.split('.').slice(0, -1).join('.');
  const flat = squash(label);
  const tokens = new Set(label.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
  const out: CompanyMention[] = [];
  for (const c of customers) {
    const full = squash(normalizeName(c.companyname));
    const words = normalizeName(c.companyname).trim().split(' ');
    const distinctive = words.filter((w) => w.length >= 5 && !GENERIC.has(w));
    const whole = full.length >= 6 && flat.includes(full);
    const firstWord = distinctive.length > 0 && tokens.has(distinctive[0]!);
    if (whole || firstWord) out.push({ id: c.id, how: 'domain', evidence: `sender domain ${domain} ~ "${c.companyname}"` });
  }
  return out;
}
