// A verify check runs the contract's SQL read-only, with bound parameters and a statement timeout, on its
// own transaction: found rows pass, none fail, an error or the timeout is `timeout`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../runtime/verify.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ mirror: false });
});
afterAll(async () => db.drop());

describe('runCheck', () => {
  it('passes on a row found and fails on none, with the values bound as parameters', async () => {
    expect(await runCheck(db.sql, { sql_check: 'SELECT 1 WHERE $1::text = $2::text', params: ['a', 'a'] })).toEqual({ result: 'pass', detail: 'found 1 row(s)' });
    expect(await runCheck(db.sql, { sql_check: 'SELECT 1 WHERE $1::text = $2::text', params: ["a' OR '1'='1", 'a'] })).toEqual({ result: 'fail', detail: 'no row found' });
  });

  it('cuts a slow check off at its statement timeout', async () => {
    const r = await runCheck(db.sql, { sql_check: 'SELECT pg_sleep(5)', params: [] }, 100);
    expect(r.result).toBe('timeout');
    expect(r.detail).toMatch(/^57014: .*statement timeout/);
  });

  it('cannot write, and the timeout does not outlive the check', async () => {
    const r = await runCheck(db.sql, { sql_check: 'CREATE TABLE written_by_a_check (id int)', params: [] });
    expect(r).toEqual({ result: 'timeout', detail: expect.stringMatching(/^25006: .*read-only transaction/) });
    const [t] = await db.sql<{ t: string | null }[]>`SELECT to_regclass('written_by_a_check')::text AS t`;
    expect(t!.t).toBeNull();
    // set_config(…, true) is local to the check's transaction: the pool's sessions keep the server default.
    await runCheck(db.sql, { sql_check: 'SELECT 1', params: [] }, 100);
    const settings = await Promise.all(Array.from({ length: 10 }, () => db.sql<{ s: string }[]>`SELECT current_setting('statement_timeout') AS s`));
    expect(settings.map((rows) => rows[0]!.s)).toEqual(Array(10).fill('0'));
  });
});
