// The engine bench's work, for bench/ours-engine.ts (one process) and each process of bench/ours-engine-processes.ts
// (process k of K): the warm-up, then each phase prepared and run, triage → awaiting approval (startRun), approve →
// verifying (applyEvent APPROVE), verify → completed (runDueChecks once the verify window has passed).
import type { Sql } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';
import { benchGroupCommit } from './group-commit.ts';
import { WARMUP, drive, triageBody, type PreparedPhase } from './lib.ts';

export type EnginePhase = PreparedPhase<Awaited<ReturnType<typeof drive>>>;

/**
 * `c` callers in flight. Process k of K starts runs k, k + K, … of a phase and approves only its own: its runs'
 * emails are `<prefix>-<i>` alone, `<prefix>-w<k>-<i>` as one of several.
 */
export function engineWork(sql: Sql, share: { k: number; K: number; c: number }) {
  const { k, K, c } = share;
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  const deps = { sql, clock, effects: effectRegistry(), group: benchGroupCommit(sql) };
  const tag = (prefix: string) => (K === 1 ? prefix : `${prefix}-w${k}`);
  /** How many of a phase's n runs are this process's. */
  const mine = (n: number) => Math.floor(n / K) + (k < n % K ? 1 : 0);
  const starts = (prefix: string, n: number) => drive(mine(n), c, (i) => startRun(deps, { ...triageBody(i * K + k, tag(prefix)), invoked_by: 'bench' }));
  const pendingEnvelopes = (prefix: string) => sql<{ id: number; run_id: number }[]>`
    SELECT p.id, p.run_id FROM proposed_actions p JOIN runs r ON r.id = p.run_id
    WHERE p.step = 'approval' AND p.status = 'pending' AND r.email_uuid LIKE ${`${tag(prefix)}-%`} ORDER BY p.run_id`;
  const approveAt = (e: { id: number; run_id: number }) =>
    applyEvent(deps, e.run_id, { type: 'APPROVE', action_id: e.id, by: 'bench', note: null, at: clock.now().toISOString() });
  return {
    /** Unmeasured whole runs, verify included (the clock then moves on, so only the measured runs are due later). */
    async warm(): Promise<void> {
      await starts('warm', WARMUP * K);
      const warm = await pendingEnvelopes('warm');
      await drive(warm.length, c, (i) => approveAt(warm[i]!));
      clock.advance(31_000);
      // Every warm-up check, however many (a call claims 1000 unless told more): none is left for a measured verify phase.
      await runDueChecks(deps, { max: Number.POSITIVE_INFINITY });
    },
    /** A phase of n runs each (this process's share of them), under email ids beginning with `prefix`. */
    phases: (prefix: string, n: number): [EnginePhase, EnginePhase, EnginePhase] => [
      async () => () => starts(prefix, n),
      async () => {
        const envelopes = await pendingEnvelopes(prefix);
        return () => drive(envelopes.length, c, (i) => approveAt(envelopes[i]!));
      },
      async () => {
        clock.advance(31_000);
        // runDueChecks claims due checks in a loop: one call per caller, so only the rate is meaningful.
        return () => drive(c, c, () => runDueChecks(deps));
      },
    ],
  };
}
