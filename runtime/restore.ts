// Reviving a stored snapshot into the current machine. Runs stored by an older machine version go through
// an explicit migration; a state the machine no longer has is an error the engine turns into a failed run.
import { MACHINE_VERSION, disputeMachine, type DisputeSnapshot } from '../machines/dispute.ts';
import type { RunRow } from '../persistence/runs.ts';

export class RunRestoreError extends Error {
  readonly code = 'restore_failed';
}

type Stored = { value: unknown; context: Record<string, unknown> };
/** version → function that rewrites a snapshot of that version into the next one. */
export const SNAPSHOT_MIGRATIONS: Record<number, (s: Stored) => Stored> = {};

export function restoreSnapshot(run: Pick<RunRow, 'id' | 'machine_version' | 'snapshot'>): DisputeSnapshot {
  let stored: Stored = { value: run.snapshot.value, context: run.snapshot.context };
  if (run.machine_version > MACHINE_VERSION) {
    throw new RunRestoreError(`run ${run.id} was stored by machine version ${run.machine_version}, newer than this code's ${MACHINE_VERSION}`);
  }
  for (let v = run.machine_version; v < MACHINE_VERSION; v++) {
    const migrate = SNAPSHOT_MIGRATIONS[v];
    if (!migrate) throw new RunRestoreError(`run ${run.id} is at machine version ${v} and no migration to ${v + 1} exists`);
    stored = migrate(stored);
  }
  try {
    // Stored JSON in, machine snapshot out: resolveState itself checks the state value (it throws for a state
    // this machine lacks, caught below), which a static type cannot; hence the cast through unknown.
    return disputeMachine.resolveState(stored as unknown as Parameters<typeof disputeMachine.resolveState>[0]);
  } catch (err) {
    throw new RunRestoreError(`run ${run.id} (machine version ${run.machine_version}) cannot be restored: ${(err as Error).message}`);
  }
}
