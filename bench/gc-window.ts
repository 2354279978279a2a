// The garbage collector's pauses over a window of time, from perf_hooks' 'gc' entries (bench/serve.ts reports one per
// open-loop phase): the longest and the total, and the full (mark-compact) collections, how many and the longest
// pause of one. A module of its own so that the served product's bench process loads nothing else of the bench.
import { constants } from 'node:perf_hooks';

/** What a 'gc' performance entry carries that the window reads. */
export interface GcEntry {
  duration: number;
  detail?: unknown;
}

export class GcWindow {
  private max = 0;
  private total = 0;
  private major = 0;
  private majorMax = 0;

  add(entries: readonly GcEntry[]): void {
    for (const e of entries) {
      this.max = Math.max(this.max, e.duration);
      this.total += e.duration;
      if ((e.detail as { kind?: number } | undefined)?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      this.major++;
      this.majorMax = Math.max(this.majorMax, e.duration);
    }
  }

  report(): { gc_pause_max_ms: number; gc_pause_total_ms: number; gc_major: number; gc_major_max_ms: number } {
    return { gc_pause_max_ms: +this.max.toFixed(1), gc_pause_total_ms: +this.total.toFixed(1), gc_major: this.major, gc_major_max_ms: +this.majorMax.toFixed(1) };
  }
}
