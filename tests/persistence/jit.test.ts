// The product's sessions run without PostgreSQL's JIT (persistence/connect.ts). A prepared statement's generic plan
// cannot see its LIMIT's value, so the planner costs the approvals queue as if a tenth of the proposals came back;
// at a million runs that passed jit_above_cost and every page was compiled to machine code (19 ms of JIT for 3 ms
// of work). Here the threshold is set to 0 inside the transaction, so any statement would be compiled: the
// product's session compiles none, a session with the server's default does, where the server has JIT at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient, type Sql } from '../../persistence/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let product: Sql;
beforeAll(async () => {
  db = await createTestDatabase();
  product = sqlClient(db.url, 1);
});
afterAll(async () => {
  await product.end();
  await db.drop();
});

/** Whether the approvals queue's statement was compiled by the JIT in this session, and whether it could be. */
async function compiled(sql: Sql, jit?: 'on'): Promise<{ compiled: boolean; available: boolean }> {
  return sql.begin(async (tx) => {
    await tx`SET LOCAL jit_above_cost = 0`;
    if (jit) await tx`SET LOCAL jit = on`;
    // True when the server has a JIT provider and the session's jit is on.
    const [can] = await tx<{ available: boolean }[]>`SELECT pg_jit_available() AS available`;
    const [plan] = await tx.unsafe<{ 'QUERY PLAN': Record<string, unknown>[] }[]>(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT p.id, p.payload FROM proposed_actions p WHERE p.status = $1 ORDER BY p.id DESC LIMIT $2`,
      ['pending', 201],
    );
    return { compiled: 'JIT' in plan!['QUERY PLAN'][0]!, available: can!.available };
  });
}

describe('the product\'s sessions', () => {
  it('have the JIT off', async () => {
    expect(await product`SHOW jit`).toEqual([{ jit: 'off' }]);
  });

  it('compile no statement, however costly its plan looks', async () => {
    expect(await compiled(product)).toEqual({ compiled: false, available: false });
  });

  it('would have compiled it with the server\'s default (jit on), where the server has a JIT', async () => {
    const on = await compiled(product, 'on');
    expect(on.compiled).toBe(on.available);
  });
});
