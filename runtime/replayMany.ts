// Replays many runs (npm run replay) and sums up how many would end differently and where they part.
import type { AnyStateMachine } from 'xstate';
import { disputeMachine } from '../machines/dispute.ts';
import type { Db } from '../persistence/connect.ts';
import { runJournal, runsToReplay, type ReplaySelection } from '../persistence/journal.ts';
import { replayJournal } from './replay.ts';

export interface DivergencePoint {
  /** `EVENT: recorded → replayed`, state values as JSON. */
  where: string;
  runs: number;
  /** Up to five run ids, to look at with GET /runs/:id/replay. */
  examples: number[];
}

export interface ReplaySummary {
  replayed: number;
  diverged: number;
  /** Runs whose final status would differ: `recorded → replayed` with counts. */
  end_differently: number;
  status_changes: Record<string, number>;
  divergences: DivergencePoint[];
  errors: { run_id: number; error: string }[];
}

const PAGE = 200;
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export async function replayRuns(sql: Db, selection: Omit<ReplaySelection, 'after' | 'limit'>, machine: AnyStateMachine = disputeMachine): Promise<ReplaySummary> {
  const summary: ReplaySummary = { replayed: 0, diverged: 0, end_differently: 0, status_changes: Object.create(null), divergences: [], errors: [] };
  const points = new Map<string, DivergencePoint>();
  let after: number | undefined;
  for (;;) {
    const runs = await runsToReplay(sql, Object.assign({}, selection, { after, limit: PAGE }));
    for (const run of runs) {
      const r = replayJournal(await runJournal(sql, run.id), machine);
      summary.replayed++;
      if (r.error) summary.errors.push({ run_id: run.id, error: r.error });
      if (!r.diverged || !r.first_divergence) continue;
      summary.diverged++;
      if (r.recorded_status !== r.replayed_status) {
        summary.end_differently++;
        const key = `${r.recorded_status} → ${r.replayed_status}`;
        summary.status_changes[key] = (summary.status_changes[key] ?? 0) + 1;
      }
      const d = r.first_divergence;
      const where = `${d.event_type}: ${show(d.recorded)} → ${show(d.replayed)}`;
      const point = points.get(where) ?? { where, runs: 0, examples: [] };
      point.runs++;
      if (point.examples.length < 5) point.examples.push(run.id);
      points.set(where, point);
    }
    if (runs.length < PAGE) break;
    after = runs.at(-1)!.id;
  }
  summary.divergences = [...points.values()].sort((a, b) => b.runs - a.runs);
  return summary;
}

/** The summary as the command prints it. */
export function formatSummary(s: ReplaySummary): string {
  const lines = [`${s.replayed} run(s) replayed through the current machine: ${s.diverged} diverge, ${s.end_differently} would end differently.`];
  for (const [change, n] of Object.entries(s.status_changes)) lines.push(`  ends ${change}: ${n}`);
  if (s.divergences.length) lines.push('First divergence:');
  for (const d of s.divergences) lines.push(`  ${d.runs} × ${d.where} (runs ${d.examples.join(', ')})`);
  for (const e of s.errors.slice(0, 10)) lines.push(`  run ${e.run_id} could not be replayed: ${e.error}`);
  return lines.join('\n');
}
