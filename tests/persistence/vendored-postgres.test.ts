// vendor/postgres is postgres.js 3.4.9 plus the lines marked `// [disputeflow patch]` (see its README), and
// nothing else: when the npm package moves on, this fails and says what to do.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const VENDORED = fileURLToPath(new URL('../../vendor/postgres/src/', import.meta.url));
// The package's CommonJS entry is cjs/src/index.js; its ESM sources are src/*.js.
const UPSTREAM = path.resolve(createRequire(import.meta.url).resolve('postgres'), '../../../src');
const MARK = '// [disputeflow patch]';

describe('the vendored postgres.js', () => {
  it('is the version of the npm package', () => {
    const { version } = JSON.parse(readFileSync(path.join(UPSTREAM, '..', 'package.json'), 'utf8')) as { version: string };
    expect(
      version,
      'node_modules/postgres is no longer 3.4.9: if the new release fixes porsager/postgres#1208, import "postgres" in ' +
        'persistence/connect.ts again and delete vendor/postgres; otherwise vendor the new release with the same patch',
    ).toBe('3.4.9');
  });

  it('differs from it only by the marked lines of connection.js, index.js, result.js and types.js', () => {
    const upstream = readdirSync(UPSTREAM).filter((f) => f.endsWith('.js')).sort();
    expect(readdirSync(VENDORED).filter((f) => f.endsWith('.js')).sort()).toEqual(upstream);
    for (const file of upstream) {
      const ours = readFileSync(path.join(VENDORED, file), 'utf8');
      const theirs = readFileSync(path.join(UPSTREAM, file), 'utf8');
      const unmarked = ours.split('\n').filter((l) => !l.includes(MARK)).join('\n');
      expect(unmarked, `vendor/postgres/src/${file} without its marked lines`).toBe(theirs);
      expect(ours.includes(MARK), `vendor/postgres/src/${file} is patched`).toBe(['connection.js', 'index.js', 'result.js', 'types.js'].includes(file));
    }
  });
});

// "Why, 8": an answer's five properties are private fields behind accessors, not defineProperties.
describe('an answer of the vendored postgres.js', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ mirror: false, migrated: false, max: 1 });
  });
  afterAll(() => db.drop());

  it('carries count, command, columns and statement, and only rows are enumerable', async () => {
    const rows = await db.sql<{ n: number; s: string }[]>`SELECT g AS n, 'x' || g AS s FROM generate_series(1, 3) g`;
    expect(rows.count).toBe(3);
    expect(rows.command).toBe('SELECT');
    expect(rows.columns.map((c) => c.name)).toEqual(['n', 's']);
    expect(rows.statement.string).toContain('generate_series');
    expect(Object.keys(rows)).toEqual(['0', '1', '2']);
    expect(JSON.stringify(rows)).toBe('[{"n":1,"s":"x1"},{"n":2,"s":"x2"},{"n":3,"s":"x3"}]');
    expect({ ...rows }).toEqual({ 0: rows[0], 1: rows[1], 2: rows[2] });
    // Each answer has its own: a second statement's does not change the first's.
    const none = await db.sql`SELECT 1 WHERE false`;
    expect([none.count, rows.count]).toEqual([0, 3]);
    const [done] = await db.sql.begin(async (tx) => [await tx`CREATE TEMP TABLE t (x int)`]);
    expect(done!.command).toBe('CREATE TABLE');
    // Array methods give plain arrays (Symbol.species), as upstream.
    expect(rows.map((r) => r.n).constructor).toBe(Array);
  });
});
