// A list of values as one bound parameter (`col = ANY(${textList(xs)}::text[])`), never as `IN (…)`.
//
// postgres.js prepares every statement it sends and keeps it, on the client and in the PostgreSQL backend, for
// as long as the connection lives: one per distinct text. `IN ${sql(xs)}` writes a placeholder per element,
// so a list of another length is another statement, planned and kept again. The extraction's lists come from
// what a customer wrote (the invoices, payments and addresses an email cites: up to 20, 10, …), and their
// lengths multiply. Measured on one connection (BENCHMARKS.md round 10): 231 emails citing 0–20 invoices and
// 0–10 payments left 241 prepared statements and 48 MB in the backend, growing by about 190 KB an email, in
// each backend of the pool; as one array value each, 11 statements and 3.9 MB, whatever the emails cite.
//
// The value is PostgreSQL's array literal, sent as text and cast in the statement: each element quoted, with
// `\` and `"` escaped (the literal's only special characters inside quotes). No array type needs to be known
// to the driver (postgres.js maps array types only once its first connection has read them).

/** Strings as a text[] literal: use as `${textList(xs)}::text[]`. */
export function textList(xs: readonly string[]): string {
  return `{${xs.map((x) => `"${x.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** Finite numbers as an array literal: use as `${numberList(xs)}::numeric[]` or `::bigint[]`. */
export function numberList(xs: readonly number[]): string {
  for (const x of xs) if (!Number.isFinite(x)) throw new RangeError(`a list of numbers holds ${x}`);
  return `{${xs.join(',')}}`;
}
