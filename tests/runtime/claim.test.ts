// The claim-and-apply loop every queue uses (timers, verify checks, outbox), on a queue of its own: one
// transaction per item, the cap, a failed apply undoing its claim, concurrent drains never doing an item
// twice, and after-commit work seeing the item's transaction committed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Tx } from '../../persistence/connect.ts';
import { claimAndApply, type ClaimJob } from '../../runtime/claim.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ mirror: false });
  await db.sql`CREATE TABLE work (id int PRIMARY KEY, status text NOT NULL DEFAULT 'pending', done_by text)`;
});
afterAll(async () => db.drop());
beforeEach(async () => {
  await db.sql`TRUNCATE work`;
  await db.sql`INSERT INTO work (id) SELECT generate_series(1, 20)`;
});

const claimNext = async (tx: Tx) => {
  const [row]: [{ id: number }?] = await tx`
    SELECT id FROM work WHERE status = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
  return row;
};
const markDone = (by: string) => async (tx: Tx, item: { id: number }) => {
  await tx`UPDATE work SET status = 'done', done_by = ${by} WHERE id = ${item.id}`;
  return item.id;
};
const pending = async () => (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM work WHERE status = 'pending'`)[0]!.n;

describe('claimAndApply', () => {
  it('stops at its cap and carries on where it stopped', async () => {
    const job: ClaimJob<{ id: number }, number> = { claim: claimNext, apply: markDone('a') };
    expect(await claimAndApply(db.sql, job, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await pending()).toBe(13);
    expect(await claimAndApply(db.sql, job, 100)).toHaveLength(13);
    expect(await pending()).toBe(0);
    expect(await claimAndApply(db.sql, job, 100)).toEqual([]);
  });

  it('commits each item on its own: a failing apply undoes its own claim and writes, not the items before it', async () => {
    const job: ClaimJob<{ id: number }, number> = {
      claim: claimNext,
      async apply(tx, item) {
        await markDone('a')(tx, item);
        if (item.id === 4) throw new Error('apply failed on 4');
        return item.id;
      },
    };
    await expect(claimAndApply(db.sql, job, 100)).rejects.toThrow('apply failed on 4');
    const rows = await db.sql<{ id: number; status: string }[]>`SELECT id, status FROM work WHERE id <= 5 ORDER BY id`;
    expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done', 'pending', 'pending']);
  });

  it('lets concurrent drains share a queue without doing any item twice', async () => {
    const slow = (by: string) => async (tx: Tx, item: { id: number }) => {
      await tx`SELECT pg_sleep(0.02)`;
      return markDone(by)(tx, item);
    };
    const [a, b] = await Promise.all([
      claimAndApply(db.sql, { claim: claimNext, apply: slow('a') }, 100),
      claimAndApply(db.sql, { claim: claimNext, apply: slow('b') }, 100),
    ]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    const byA = await db.sql<{ id: number }[]>`SELECT id FROM work WHERE done_by = 'a' ORDER BY id`;
    expect(byA.map((r) => r.id)).toEqual([...a].sort((x, y) => x - y));
  });

  it('runs after-commit work once the claim is committed, and returns what it returns', async () => {
    const seen: string[] = [];
    const out = await claimAndApply(
      db.sql,
      {
        claim: claimNext,
        apply: markDone('a'),
        async afterCommit(item, applied) {
          // Read on another connection of the pool: only a committed write is visible there.
          const [row] = await db.sql<{ status: string }[]>`SELECT status FROM work WHERE id = ${item.id}`;
          seen.push(`${applied}:${row!.status}`);
          return applied! * 10;
        },
      },
      2,
    );
    expect(seen).toEqual(['1:done', '2:done']);
    expect(out).toEqual([10, 20]);
  });

  it('with no apply (a lease), hands each claimed item to after-commit work', async () => {
    const lease = async (tx: Tx) => {
      const [row]: [{ id: number }?] = await tx`
        UPDATE work SET status = 'leased' WHERE id = (SELECT id FROM work WHERE status = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id`;
      return row;
    };
    const out = await claimAndApply(db.sql, { claim: lease, afterCommit: async (item, applied) => `${item.id}:${String(applied)}` }, 3);
    expect(out).toEqual(['1:undefined', '2:undefined', '3:undefined']);
    expect(await pending()).toBe(17);
  });
});
