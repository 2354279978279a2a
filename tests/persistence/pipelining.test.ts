// The vendored postgres.js sends BEGIN and SAVEPOINT with the statement that follows them instead of waiting
// for each (vendor/postgres/README.md, "Why, 3"). What must hold: a transaction's first statement is inside
// it, a read-only transaction stays read-only, a savepoint that fails rolls back its own statements only and
// the transaction goes on, the round trips saved are really saved (counted as socket writes, not timed), and
// statements issued in one tick go out in one write even past 1 KB ("Why, 4"), and a COMMIT sent early
// (commitNow, "Why, 5") goes out with the last statements, reports their failure and refuses what comes after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitNow } from '../../persistence/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { writesDuring } from '../helpers/writes.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ mirror: false, max: 2 });
  await db.sql`CREATE TABLE pipelined (k text PRIMARY KEY, n int NOT NULL CHECK (n >= 0))`;
});
afterAll(() => db.drop());

const keys = async (prefix: string) =>
  (await db.sql<{ k: string }[]>`SELECT k FROM pipelined WHERE k LIKE ${prefix + '%'} ORDER BY k`).map((r) => r.k);


describe('BEGIN sent with the first statement', () => {
  it('keeps the first statement inside the transaction: a failure after it rolls it back', async () => {
    await expect(
      db.sql.begin(async (tx) => {
        await tx`INSERT INTO pipelined VALUES ('begin-a', 1)`;
        throw new Error('after the first statement');
      }),
    ).rejects.toThrow('after the first statement');
    expect(await keys('begin-')).toEqual([]);
  });

  it('commits what the transaction wrote, on a pool whose connections are all busy at the start', async () => {
    // More transactions than connections: most wait for a connection before their BEGIN is sent.
    await Promise.all(Array.from({ length: 6 }, (_, i) => db.sql.begin((tx) => tx`INSERT INTO pipelined VALUES (${`begin-b${i}`}, ${i})`)));
    expect(await keys('begin-b')).toHaveLength(6);
  });

  it('keeps a read-only transaction read-only', async () => {
    await expect(db.sql.begin('read only', (tx) => tx`INSERT INTO pipelined VALUES ('begin-ro', 1)`)).rejects.toMatchObject({ code: '25006' });
    expect(await keys('begin-ro')).toEqual([]);
  });

  it('costs two writes for a transaction of one statement (BEGIN with it, then COMMIT)', async () => {
    const insert = (k: string) => db.sql.begin((tx) => tx`INSERT INTO pipelined VALUES (${k}, 1)`);
    await insert('begin-warm-1');
    await insert('begin-warm-2'); // both connections have prepared the statement: no describe round trip below
    expect(await writesDuring(() => insert('begin-count'))).toBe(2);
  });
});

describe('SAVEPOINT sent with the first statement of the savepoint', () => {
  it('rolls back only the failed savepoint: before, after and other savepoints commit', async () => {
    const outcome = await db.sql.begin(async (tx) => {
      await tx`INSERT INTO pipelined VALUES ('sp-before', 1)`;
      await tx.savepoint((sp) => sp`INSERT INTO pipelined VALUES ('sp-good', 1)`);
      const failed = await tx
        .savepoint(async (sp) => {
          await sp`INSERT INTO pipelined VALUES ('sp-bad-first', 1)`;
          await sp`INSERT INTO pipelined VALUES ('sp-bad-second', -1)`; // violates the check
        })
        .then(() => null, (err: { code?: string }) => err.code);
      await tx`INSERT INTO pipelined VALUES ('sp-after', 1)`;
      return failed;
    });
    expect(outcome).toBe('23514');
    expect(await keys('sp-')).toEqual(['sp-after', 'sp-before', 'sp-good']);
  });

  it('rolls back a savepoint whose function fails before any statement, and the transaction goes on', async () => {
    await db.sql.begin(async (tx) => {
      await expect(tx.savepoint(async () => { throw new Error('no statement'); })).rejects.toThrow('no statement');
      await tx`INSERT INTO pipelined VALUES ('sp-empty-after', 1)`;
    });
    expect(await keys('sp-empty')).toEqual(['sp-empty-after']);
  });

  it('fails the savepoint for a statement that failed even when its function caught the error', async () => {
    await db.sql.begin(async (tx) => {
      const r = tx.savepoint(async (sp) => {
        await sp`INSERT INTO pipelined VALUES ('sp-caught', -1)`.catch(() => 'ignored');
      });
      await expect(r).rejects.toMatchObject({ code: '23514' });
      await tx`INSERT INTO pipelined VALUES ('sp-caught-after', 1)`;
    });
    expect(await keys('sp-caught')).toEqual(['sp-caught-after']);
  });

  it('costs one write for a savepoint and its statement (three for BEGIN and a read, the savepoint, COMMIT)', async () => {
    const transaction = (k: string) =>
      db.sql.begin(async (tx) => {
        await tx`SELECT 1`;
        await tx.savepoint((sp) => sp`INSERT INTO pipelined VALUES (${k}, 1)`);
      });
    await transaction('sp-count-warm-1');
    await transaction('sp-count-warm-2'); // both connections have prepared the statements
    expect(await writesDuring(() => transaction('sp-count'))).toBe(3);
  });
});

describe('statements of one tick in one write, whatever their size', () => {
  it('sends a statement over 1 KB and the one issued beside it together, and both are applied', async () => {
    const big = 'x'.repeat(4000); // a snapshot's save is several KB
    const transaction = (k: string) =>
      db.sql.begin(async (tx) => {
        await tx`SELECT 1`;
        await Promise.all([tx`INSERT INTO pipelined VALUES (${k + big}, 1)`, tx`INSERT INTO pipelined VALUES (${k + '-small'}, 2)`]);
      });
    await transaction('tick-warm-1');
    await transaction('tick-warm-2'); // both connections have prepared the statement
    // BEGIN with the read, the two inserts, COMMIT: upstream's 1 KB flush made the big insert a write of its own (4).
    expect(await writesDuring(() => transaction('tick-count'))).toBe(3);
    expect(await keys('tick-count')).toEqual(['tick-count-small', 'tick-count' + big]);
  });
});

describe('COMMIT sent with the last statements (commitNow)', () => {
  it('commits what the statements wrote and answers their results, in one write fewer', async () => {
    const transaction = (k: string, early: boolean) =>
      db.sql.begin(async (tx) => {
        await tx`SELECT 1`;
        // awaited queries reach the driver a few promise jobs after they are written: still ahead of the COMMIT
        const insert = (async () => (await tx`INSERT INTO pipelined VALUES (${k}, 1) RETURNING n`)[0]!.n)();
        if (early) commitNow(tx);
        return insert;
      });
    for (const warm of ['early-warm-1', 'early-warm-2']) await transaction(warm, true);
    // BEGIN with the read, then the insert with the COMMIT: 2 writes; the COMMIT sent after the answer makes 3.
    expect(await writesDuring(() => transaction('early-late', false))).toBe(3);
    let answer: unknown;
    expect(await writesDuring(async () => (answer = await transaction('early-count', true)))).toBe(2);
    expect(answer).toBe(1);
    expect(await keys('early-')).toEqual(['early-count', 'early-late', 'early-warm-1', 'early-warm-2']);
  });

  it('rolls everything back and reports the statement that failed, not the COMMIT', async () => {
    await expect(
      db.sql.begin(async (tx) => {
        const first = tx`INSERT INTO pipelined VALUES ('early-fail-a', 1)`.execute();
        const second = tx`INSERT INTO pipelined VALUES ('early-fail-b', -1)`.execute(); // violates the check
        commitNow(tx);
        await Promise.all([first, second]);
      }),
    ).rejects.toMatchObject({ code: '23514' });
    // even when the function catches the failure and returns: the COMMIT was answered ROLLBACK
    await expect(
      db.sql.begin(async (tx) => {
        const first = tx`INSERT INTO pipelined VALUES ('early-fail-c', 1)`.execute();
        const second = tx`INSERT INTO pipelined VALUES ('early-fail-d', -1)`.execute().catch(() => 'caught');
        commitNow(tx);
        return Promise.all([first, second]);
      }),
    ).rejects.toMatchObject({ code: '23514' });
    expect(await keys('early-fail')).toEqual([]);
  });

  it('refuses a statement issued after the COMMIT went out, without sending it', async () => {
    let late: unknown;
    await db.sql.begin(async (tx) => {
      await tx`INSERT INTO pipelined VALUES ('early-after-a', 1)`;
      const committed = commitNow(tx);
      await committed;
      late = await tx`INSERT INTO pipelined VALUES ('early-after-b', 1)`.catch((e: { code?: string }) => e.code);
    });
    expect(late).toBe('STATEMENT_AFTER_COMMIT');
    // and its connection went back to the pool outside any transaction: the next transactions on both commit
    await Promise.all(['early-after-c', 'early-after-d'].map((k) => db.sql.begin((tx) => tx`INSERT INTO pipelined VALUES (${k}, 1)`)));
    expect(await keys('early-after')).toEqual(['early-after-a', 'early-after-c', 'early-after-d']);
  });
});

describe('the builder a value takes, remembered by the text before it ("Why, 6")', () => {
  it('builds every statement as upstream postgres.js does, again and again, whatever the lists\' lengths', async () => {
    const { default: upstream } = await import('postgres');
    const { default: vendored } = await import('../../vendor/postgres/src/index.js');
    const texts = (make: typeof upstream) => {
      const seen: string[] = [];
      const sql = make(db.url, { max: 1, onnotice: () => {}, debug: (_c: number, q: string) => void (q.includes('pg_catalog.pg_type') || seen.push(q)) });
      // (the driver's own first read of the array types is left out)
      return { sql, seen };
    };
    const a = texts(upstream);
    const b = texts(vendored);
    await db.sql`CREATE TABLE built (k text PRIMARY KEY, n int, m int)`;
    // Each keyword's builder (insert, values, in, update, select, as, returning, "("), none at all (identifiers),
    // the same keyword twice, and a list whose length changes the text before the next value.
    const statements = (sql: ReturnType<typeof upstream>, run: number, len: number) => {
      const keys = Array.from({ length: len }, (_, i) => `${run}-${i}`);
      return [
        sql`INSERT INTO built ${sql(keys.map((k, i) => ({ k, n: i, m: run })))}`,
        sql`SELECT * FROM built WHERE k IN ${sql(keys)} AND n IN ${sql([0, 1, 2].slice(0, len))} ORDER BY k`,
        sql`UPDATE built SET ${sql({ n: len, m: run })} WHERE k = ${keys[0]!} RETURNING ${sql(['k', 'n'])}`,
        sql`SELECT ${sql(['k', 'm'])} FROM built WHERE k IN ${sql(keys.slice(0, 1))}`,
        sql`SELECT ${sql(['p'])} AS ${sql('first')}, q FROM (VALUES ${sql([[1, 'a'], [2, 'b']])}) t(p, q) WHERE p IN ${sql([1, 2])} AND (${sql(['q'])}) IS NOT NULL`,
        sql`SELECT ${sql('k')} AS key FROM built WHERE m = ${run} ORDER BY ${sql('k')}`,
      ];
    };
    const rows: unknown[][] = [[], []];
    for (const [i, len] of [3, 1, 3, 2, 3].entries()) {
      for (const q of statements(a.sql, 2 * i, len)) rows[0]!.push(await q);
      for (const q of statements(b.sql, 2 * i + 1, len)) rows[1]!.push(await q);
    }
    expect(b.seen.length).toBe(30);
    expect(b.seen).toEqual(a.seen);
    // The statements ran: what each run's inserts, updates and reads returned has the same shape on both.
    expect(rows[1]!.map((r) => (r as unknown[]).length)).toEqual(rows[0]!.map((r) => (r as unknown[]).length));
    await a.sql.end();
    await b.sql.end();
  });
});
