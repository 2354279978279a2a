// Lists of values in statements, so that what a customer writes cannot make the connection keep statements
// without end.
//
// postgres.js prepares every statement it sends and keeps it, on the client and in the PostgreSQL backend, for
// the connection's life (30 to 60 minutes): one per distinct text. `IN ${sql(xs)}` writes a placeholder per
// element, so each length is a statement of its own, and in one statement the lengths of several lists
// multiply. The extraction's lists are what an email cites (addresses, invoices up to 20, payments, POs and
// totals up to 10 each). Measured on one connection (BENCHMARKS.md round 10): 231 emails citing 0–20 invoices
// and 0–10 payments left 222 more prepared statements and 46 MB more in the backend, about 200 KB an email.
//
// Two ways out, each where it pays:
// - `textList` / `numberList`: the whole list as one value, `col = ANY(${textList(xs)}::text[])`: one statement
//   whatever the lengths. But PostgreSQL cannot know the length of an array that is a parameter (it assumes
//   ten), so where the list drives an index scan that is much of a statement's cost, the generic plan looks
//   dearer than a plan made for the values and PostgreSQL plans the statement again at every call: all five
//   lists as arrays cost the extraction's statement 0.48 ms of planning a start (879 against 108 in cost). Used
//   where the list only filters rows found another way (the invoices by reference: one customer's, by its
//   index) and for the approvals page's pages of runs (1 to 200 ids, small statements).
// - `inList`: `IN (…)` with the list's length rounded up to a power of two (the last value repeated, which
//   matches nothing more; an empty list is one NULL), for the lists that drive an index scan (addresses, invoice
//   numbers, payment references): at most six lengths each, and PostgreSQL keeps each statement's generic plan.
// Together (`npm run bench:prepared`): the labeled emails leave 22 statements and 5.9 MB (47 and 11.8 before),
// then the 231 varying emails 47 and 13.4 MB (269 and 57.3 before).
import type { Db, Fragment } from './connect.ts';

/** The list with its length rounded up to a power of two by repeating its last value ([] stays []). */
export function padded<T>(xs: readonly T[]): T[] {
  if (xs.length === 0) return [];
  let n = 1;
  while (n < xs.length) n *= 2;
  return Array.from({ length: n }, (_, i) => xs[Math.min(i, xs.length - 1)]!);
}

/**
 * `expr IN (…)` over the list, its length a power of two (`padded`). An empty list is `IN (NULL)`, which matches
 * nothing (a comparison with NULL is never true) and is the same statement as a list of one.
 */
export function inList(sql: Db, expr: Fragment, xs: readonly (string | number)[]): Fragment {
  return sql`${expr} IN ${sql(xs.length ? padded(xs) : [null])}`;
}

/** Strings as a text[] literal: use as `${textList(xs)}::text[]`. Quoted, with `\` and `"` escaped. */
export function textList(xs: readonly string[]): string {
  return `{${xs.map((x) => `"${x.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** Finite numbers as an array literal: use as `${numberList(xs)}::numeric[]` or `::bigint[]`. */
export function numberList(xs: readonly number[]): string {
  for (const x of xs) if (!Number.isFinite(x)) throw new RangeError(`a list of numbers holds ${x}`);
  return `{${xs.join(',')}}`;
}
