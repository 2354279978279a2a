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
