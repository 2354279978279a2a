// `npm start` and `npm run worker` run the bundle that scripts/build.mjs makes, with the flags the tests and the
// benchmarks also run it with (NODE_FLAGS), built first by their pre-scripts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../scripts/build.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('how the server is started', () => {
  it('npm start and npm run worker build the bundle, then run it with NODE_FLAGS', () => {
    expect(scripts.prestart).toBe('node scripts/build.mjs');
    expect(scripts.preworker).toBe('node scripts/build.mjs');
    expect(scripts.start).toBe(`node ${NODE_FLAGS.join(' ')} dist/main.js`);
    expect(scripts.worker).toBe(`node ${NODE_FLAGS.join(' ')} dist/main.js --worker`);
  });
});
