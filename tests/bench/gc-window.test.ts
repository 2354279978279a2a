// bench/gc-window.ts: the half-of-peak lines report the server's GC pauses and its full collections apart
// (BENCHMARKS.md round 22); a scavenge or an incremental step must not count as a full collection.
import { constants } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { GcWindow } from '../../bench/gc-window.ts';

const entry = (kind: number, duration: number) => ({ duration, detail: { kind, flags: 0 } });

describe('GcWindow', () => {
  it('reports nothing for a window without collections', () => {
    expect(new GcWindow().report()).toEqual({ gc_pause_max_ms: 0, gc_pause_total_ms: 0, gc_major: 0, gc_major_max_ms: 0 });
  });

  it('counts every pause, and only mark-compacts as full collections', () => {
    const w = new GcWindow();
    w.add([entry(constants.NODE_PERFORMANCE_GC_MINOR, 2.04), entry(constants.NODE_PERFORMANCE_GC_INCREMENTAL, 4.2)]);
    w.add([entry(constants.NODE_PERFORMANCE_GC_MAJOR, 8.24), entry(constants.NODE_PERFORMANCE_GC_MINOR, 9.5), entry(constants.NODE_PERFORMANCE_GC_MAJOR, 5.1)]);
    w.add([{ duration: 1 }]); // an entry without detail is a pause, not a full collection
    expect(w.report()).toEqual({ gc_pause_max_ms: 9.5, gc_pause_total_ms: 30.1, gc_major: 2, gc_major_max_ms: 8.2 });
  });
});
