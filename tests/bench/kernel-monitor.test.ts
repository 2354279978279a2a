// bench/lib.ts kernelMonitor and kernelMonitorCpuMs: the side-by-side reports how much CPU the kernel's memory monitor
// (DAMON's kdamond threads) took while approvals were measured (BENCHMARKS.md round 19). The reading is a thread's run
// time from /proc/<pid>/schedstat; it must see CPU a thread spends, count nothing for a thread that is gone, and name
// only kdamond threads.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelMonitor, kernelMonitorCpuMs } from '../../bench/lib.ts';

const commOf = (pid: string) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8');
  } catch {
    return '';
  }
};

describe.runIf(process.platform === 'linux')('the kernel monitor reading', () => {
  it("counts a thread's CPU from its schedstat", () => {
    const me = { pids: [process.pid] };
    const before = kernelMonitorCpuMs(me);
    // Spin until this process has used 150 ms of CPU (however long a loaded machine makes that take), nearly all of
    // it on this thread.
    const from = process.cpuUsage();
    let spin = 0;
    for (let used = 0; used < 150_000; spin++) if (spin % 10_000 === 0) used = process.cpuUsage(from).user;
    expect(kernelMonitorCpuMs(me) - before).toBeGreaterThanOrEqual(100);
  });

  it('counts nothing for a thread that is gone', () => {
    // Above Linux's largest pid (2^22): no such process.
    expect(kernelMonitorCpuMs({ pids: [2 ** 22 + 1] })).toBe(0);
  });

  it("finds the machine's kdamond threads, and none on a machine without them", () => {
    const named = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && commOf(p).startsWith('kdamond')).map(Number);
    const m = kernelMonitor();
    // null on a machine without DAMON: the bench then leaves the figure out.
    expect(m?.pids ?? []).toEqual(named);
    if (m) expect(m.sample_ms === null || m.sample_ms > 0).toBe(true);
  });
});
