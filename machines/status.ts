// The run status the API shows, derived from the machine's state value (never stored separately as truth).
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
