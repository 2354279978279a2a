// The contract's named context queries (machines/contract.ts: context_queries), run against the mirror as
// the contract writes them: its own SQL text, prepared, with every value a bound parameter ($1, $2, …).
import type { Db } from '../connect.ts';

/** One of the contract's named queries: its SQL text, never built from customer input. */
export interface NamedQuery {
  text: string;
}

export async function runNamedQuery<Row extends object = Record<string, unknown>>(sql: Db, q: NamedQuery, params: unknown[]): Promise<Row[]> {
  // `unsafe` only means "text not from a template": the text is the contract's, the values are parameters.
  return sql.unsafe<Row[]>(q.text, params as never[], { prepare: true });
}

/**
 * One of the contract's named queries as a part of another statement: its text unchanged, each `$n` a value
 * (`params[n - 1]`) that postgres.js numbers within the statement it ends up in. Not sent by itself.
 */
export function namedQueryPart(sql: Db, q: NamedQuery, params: unknown[]) {
  const strings: string[] = [];
  const values: unknown[] = [];
  let last = 0;
  for (const m of q.text.matchAll(/\$(\d+)/g)) {
    const n = Number(m[1]);
    if (n < 1 || n > params.length) throw new Error(`named query uses $${n} but has ${params.length} parameter(s): ${q.text.slice(0, 80)}`);
    strings.push(q.text.slice(last, m.index));
    values.push(params[n - 1]);
    last = m.index + m[0].length;
  }
  strings.push(q.text.slice(last));
  return sql(Object.assign(strings, { raw: strings }), ...(values as never[]));
}
