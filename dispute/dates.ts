// Calendar arithmetic on ISO dates (YYYY-MM-DD) in UTC. dispute/ never reads the clock: "today"
// always comes from the caller, so replies and hold reviews are reproducible.

const DAY = 86_400_000;

export function parseIsoDate(iso: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) throw new Error(`expected an ISO date like 2026-11-20, got "${iso}"`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

export const toIsoDate = (d: Date): string => d.toISOString().slice(0, 10);

export const addDays = (iso: string, days: number): string => toIsoDate(new Date(parseIsoDate(iso).getTime() + days * DAY));

/** Whole days from `from` to `to` (positive when `to` is later). */
export const daysBetween = (from: string, to: string): number => Math.round((parseIsoDate(to).getTime() - parseIsoDate(from).getTime()) / DAY);

/** `n` working days after `iso`, skipping Saturdays and Sundays (holidays are not known here). */
export function addBusinessDays(iso: string, n: number): string {
  let d = parseIsoDate(iso);
  let left = n;
  while (left > 0) {
    d = new Date(d.getTime() + DAY);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return toIsoDate(d);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "November 20, 2026"; with the weekday: "Friday, November 20, 2026". */
export function formatLongDate(iso: string, weekday = false): string {
  const d = parseIsoDate(iso);
  const text = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
  return weekday ? `${WEEKDAYS[d.getUTCDay()]}, ${text}` : text;
}
