// vendor/postgres is postgres.js 3.4.9 plus the lines marked `// [disputeflow patch]` (see its README), and
// nothing else: when the npm package moves on, this fails and says what to do.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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

  it('differs from it only by the marked lines of connection.js, index.js and types.js', () => {
    const upstream = readdirSync(UPSTREAM).filter((f) => f.endsWith('.js')).sort();
    expect(readdirSync(VENDORED).filter((f) => f.endsWith('.js')).sort()).toEqual(upstream);
    for (const file of upstream) {
      const ours = readFileSync(path.join(VENDORED, file), 'utf8');
      const theirs = readFileSync(path.join(UPSTREAM, file), 'utf8');
      const unmarked = ours.split('\n').filter((l) => !l.includes(MARK)).join('\n');
      expect(unmarked, `vendor/postgres/src/${file} without its marked lines`).toBe(theirs);
      expect(ours.includes(MARK), `vendor/postgres/src/${file} is patched`).toBe(['connection.js', 'index.js', 'types.js'].includes(file));
    }
  });
});
