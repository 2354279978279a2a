// The process's unhandledRejection listener (server/errors.ts): a rejection from a lost database connection is a
// warning and the process goes on; any other is thrown again, to uncaughtException (which logs and exits). The
// last part registers it in a real node process: its rethrow reaches uncaughtException.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ErrorLog } from '../../server/log.ts';
import { unhandledRejection } from '../../server/errors.ts';

function recorder() {
  const seen: { kind: string; level: string; msg: string; extra?: Record<string, unknown> }[] = [];
  const log = Object.assign((kind: string, level: string, msg: string, extra?: Record<string, unknown>) => void seen.push({ kind, level, msg, extra }), { flush() {} }) as ErrorLog;
  return { seen, log };
}
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('unhandled rejections', () => {
  it('logs a lost database connection as a warning and goes on', () => {
    const { seen, log } = recorder();
    const listener = unhandledRejection(log);
    for (const err of [coded('CONNECTION_CLOSED', 'write CONNECTION_CLOSED 127.0.0.1:5432'), coded('57P01', 'terminating connection due to administrator command'), coded('ECONNREFUSED')]) {
      expect(() => listener(err)).not.toThrow();
    }
    expect(seen.map((s) => [s.kind, s.level])).toEqual([['unhandled:database', 'warn'], ['unhandled:database', 'warn'], ['unhandled:database', 'warn']]);
    expect(seen[0]!.extra).toEqual({ error: 'Error: write CONNECTION_CLOSED 127.0.0.1:5432' });
  });

  it('throws anything else again, unchanged', () => {
    const { seen, log } = recorder();
    const listener = unhandledRejection(log);
    const bug = new TypeError('x is undefined');
    expect(() => listener(bug)).toThrow(bug);
    const rejected = coded('23505', 'duplicate key value'); // a statement the database refused: not a lost connection
    expect(() => listener(rejected)).toThrow(rejected);
    expect(() => listener('a string')).toThrow('a string');
    expect(seen).toEqual([]);
  });

  it('in a process: the first kind leaves it running, the second reaches uncaughtException', () => {
    // The listener itself, registered as server/main.ts registers it, in a node process of its own (under tsx).
    const script = (reason: string) => `
      import { unhandledRejection } from ${JSON.stringify(new URL('../../server/errors.ts', import.meta.url).href)};
      process.on('unhandledRejection', unhandledRejection(Object.assign(() => {}, { flush() {} })));
      process.on('uncaughtException', (e) => { console.log('uncaught ' + e.message); process.exit(3); });
      Promise.reject(${reason});
      setTimeout(() => { console.log('still running'); process.exit(0); }, 50);`;
    const run = (reason: string) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(reason)], { encoding: 'utf8' });
    const lost = run(`Object.assign(new Error('closed'), { code: 'CONNECTION_CLOSED' })`);
    expect([lost.status, lost.stdout.trim()]).toEqual([0, 'still running']);
    const bug = run(`new Error('a bug')`);
    expect([bug.status, bug.stdout.trim()]).toEqual([3, 'uncaught a bug']);
  });
});
