// bench/lib.ts watchCpu and apartFromBursts: the side-by-side reports the approvals at half of peak that met none of
// the kernel monitor's bursts apart from those that did (BENCHMARKS.md round 20). A burst is every stretch in which the
// watched counter grew, from the read before it to the read that saw it; an approval met one when their spans overlap.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apartFromBursts, paced, watchCpu, type Span } from '../../bench/lib.ts';

describe('watchCpu', () => {
  afterEach(() => void vi.useRealTimers());

  it('marks each stretch in which the counter grew, joining reads that follow each other', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const t0 = performance.now();
    let cpu = 5;
    const watch = watchCpu(() => cpu, 2);
    // The counter grows during 10–30 ms (a 20 ms burst, seen by every read in it, the first at 12) and once more at 100–102.
    for (let t = 1; t <= 140; t++) {
      if ((t > 10 && t <= 30) || (t > 100 && t <= 102)) cpu += 0.5;
      vi.advanceTimersByTime(1);
    }
    const bursts = watch.stop().map((b) => ({ from: b.from - t0, to: b.to - t0 }));
    expect(bursts).toEqual([{ from: 10, to: 30 }, { from: 100, to: 102 }]);
    // Stopped: later growth is not seen.
    cpu += 10;
    vi.advanceTimersByTime(10);
    expect(bursts).toHaveLength(2);
  });

  it('makes one burst of reads that found growth with one quiet read between them', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const t0 = performance.now();
    let cpu = 0;
    const watch = watchCpu(() => cpu, 2);
    // Growth seen by the reads at 2, 4, (not 6), 8: one burst; then a gap of three quiet reads and growth at 16.
    for (const [t, grow] of [[2, 1], [4, 1], [6, 0], [8, 1], [10, 0], [12, 0], [14, 0], [16, 1], [18, 0]] as const) {
      cpu += grow;
      vi.advanceTimersByTime(2);
      expect(performance.now() - t0).toBe(t);
    }
    expect(watch.stop().map((b) => [b.from - t0, b.to - t0])).toEqual([[0, 8], [14, 16]]);
  });
});

describe('apartFromBursts', () => {
  const span = (from: number, to: number): Span => ({ from, to });

  it('keeps the latency of a call that met no burst and counts the ones that did', () => {
    const bursts = [span(100, 110), span(500, 520)];
    const calls = [
      span(0, 7), // before both
      span(95, 101), // answered during the first
      span(105, 108), // inside it
      span(90, 130), // across it
      span(110, 115), // due as it ended: met none (the spans only touch)
      span(480, 500), // answered as the second began: met none
      span(519, 530), // due during the second
    ];
    expect(apartFromBursts(calls, bursts)).toEqual({ latencies: [7, 5, 20], met: 4 });
  });

  it('takes the bursts in any order, and every call without any', () => {
    const calls = [span(0, 3), span(10, 14), span(20, 29)];
    expect(apartFromBursts(calls, [span(11, 12), span(1, 2)])).toEqual({ latencies: [9], met: 2 });
    expect(apartFromBursts(calls, [])).toEqual({ latencies: [3, 4, 9], met: 0 });
  });
});

describe('paced', () => {
  afterEach(() => void vi.useRealTimers());

  it('starts each call when it is due whatever the earlier ones do, and times it from then', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const t0 = performance.now();
    // 100/s: due at 0, 10, 20, 30 ms. The second call takes 35 ms, the others 3: the third and fourth still start
    // when due (open loop), and the second's latency counts from its due time.
    const takes = [3, 35, 3, 3];
    const started: number[] = [];
    const run = paced(4, 100, (i) => {
      started.push(performance.now() - t0);
      return new Promise((r) => setTimeout(r, takes[i]));
    });
    await vi.advanceTimersByTimeAsync(100);
    const { ms, latencies, spans } = await run;
    expect(started).toEqual([0, 10, 20, 30]);
    const byDue = [...spans].sort((a, b) => a.from - b.from).map((s) => [s.from - t0, s.to - t0]);
    expect(byDue).toEqual([[0, 3], [10, 45], [20, 23], [30, 33]]);
    expect([...latencies].sort((a, b) => a - b)).toEqual([3, 3, 3, 35]);
    expect(ms).toBe(45);
  });
});
