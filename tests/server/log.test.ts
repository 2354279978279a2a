// The error log's token bucket: a burst, then a steady rate per kind; what is held back is counted and
// reported once per kind.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rateLimitedErrors } from '../../server/log.ts';

afterEach(() => {
  vi.useRealTimers();
});

function recorder() {
  const lines: { level: string; msg: string; extra?: Record<string, unknown> }[] = [];
  return { lines, log: (level: string, msg: string, extra?: Record<string, unknown>) => void lines.push({ level, msg, extra }) };
}

describe('rate-limited error log', () => {
  it('logs a burst per kind, then one per second, and reports the rest as suppressed', () => {
    vi.useFakeTimers();
    let now = 0;
    const r = recorder();
    const errors = rateLimitedErrors(r.log, { burst: 3, perSecond: 1, summaryAfterMs: 5000, now: () => now });
    for (let i = 0; i < 10; i++) errors('a', 'warn', 'client gone');
    errors('b', 'error', 'other kind');
    expect(r.lines.map((l) => [l.msg, l.extra?.kind])).toEqual([
      ['client gone', 'a'],
      ['client gone', 'a'],
      ['client gone', 'a'],
      ['other kind', 'b'],
    ]);
    now = 1000; // one token back
    errors('a', 'warn', 'client gone');
    errors('a', 'warn', 'client gone');
    expect(r.lines).toHaveLength(5);
    vi.advanceTimersByTime(5000);
    expect(r.lines.at(-1)).toEqual({ level: 'warn', msg: '8 similar errors suppressed', extra: { kind: 'a', suppressed: 8, since: new Date(0).toISOString() } });
    vi.advanceTimersByTime(60_000);
    expect(r.lines).toHaveLength(6); // reported once
  });

  it('flushes at once on demand, and bounds the number of kinds', () => {
    const r = recorder();
    const errors = rateLimitedErrors(r.log, { burst: 1, perSecond: 0, maxKinds: 2, now: () => 0 });
    for (let i = 0; i < 5; i++) errors(`k${i}`, 'warn', 'x');
    // k0 and k1 get their own bucket; k2..k4 share 'other', which logs one.
    expect(r.lines.map((l) => l.extra?.kind)).toEqual(['k0', 'k1', 'k2']);
    errors.flush();
    expect(r.lines.at(-1)).toMatchObject({ msg: '2 similar errors suppressed', extra: { kind: 'other', suppressed: 2 } });
  });
});
