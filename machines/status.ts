// The run status the API shows, derived from the machine's state value. The runs table keeps a copy
// (`status`, for filtering and counting), written from `statusOf` whenever the engine saves a snapshot (a
// new run's placeholder is saved over in the transaction that inserts it), with one exception: a run whose
// stored snapshot this code cannot restore has no state the machine knows, and is marked `failed` directly
// (persistence/runs.ts markUnrestorable, called by the engine's failUnrestorable), its state value and
// snapshot kept as they were.
import type { StateValue } from 'xstate';

export const RUN_STATUSES = ['running', 'awaiting_approval', 'verifying', 'completed', 'partial', 'failed', 'rejected', 'expired', 'blocked'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const FINAL: Record<string, RunStatus> = {
  completed: 'completed', partial: 'partial', failed: 'failed', rejected: 'rejected', expired: 'expired', blocked: 'blocked',
};

export function statusOf(value: StateValue): RunStatus {
  if (typeof value === 'string') {
    if (value in FINAL) return FINAL[value]!;
    if (value === 'awaitingApproval') return 'awaiting_approval';
    if (value === 'verifying') return 'verifying';
  }
  return 'running';
}

export const isTerminal = (s: RunStatus) => s in FINAL;
