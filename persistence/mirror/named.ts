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
  const { strings, refs } = splitAt(q.text);
  const values = refs.map((n) => {
    if (n < 1 || n > params.length) throw new Error(`named query uses $${n} but has ${params.length} parameter(s): ${q.text.slice(0, 80)}`);
    return params[n - 1];
  });
  return sql(strings, ...(values as never[]));
}

/**
 * A named query's text cut at its `$n`, as a template's strings: the same array for the same text, every time.
 * postgres.js keeps, for each template's strings array it is given, an Error that remembers where the query
 * was written (vendor/postgres/src/query.js, cachedError), in a Map it never empties: a template literal's
 * array is one per place in the code, but an array built per call was a new key each time, and every start
 * (six named parts) left about 12 KB of heap behind for good (issue 13; BENCHMARKS.md round 10). The texts are the
 * contract's (machines/contract.ts), a fixed few, so this map stays as small.
 */
const SPLIT = new Map<string, { strings: TemplateStringsArray; refs: number[] }>();
function splitAt(text: string): { strings: TemplateStringsArray; refs: number[] } {
  let split = SPLIT.get(text);
  if (!split) {
    const strings: string[] = [];
    const refs: number[] = [];
    let last = 0;
    for (const m of text.matchAll(/\$(\d+)/g)) {
      refs.push(Number(m[1]));
      strings.push(text.slice(last, m.index));
      last = m.index + m[0].length;
    }
    strings.push(text.slice(last));
    // Frozen: shared by every call, so nothing may change it.
    split = { strings: Object.freeze(Object.assign(strings, { raw: Object.freeze([...strings]) })), refs };
    SPLIT.set(text, split);
  }
  return split;
}
