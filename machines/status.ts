// The run status the API shows, derived from the machine's state value. The runs table keeps a copy
// (`status`, for filtering and counting), written from `statusOf` whenever the engine saves a snapshot (a
// new run's placeholder is saved over in the transaction that inserts it), with one exception: a run whose
// stored snapshot this code cannot restore has no state the machine knows, and is marked `failed` directly
// (persistence/runs.ts markUnrestorable, called by the engine's failUnrestorable), its state value and
// snapshot kept as they were.
import type { StateValue } from 'xstate';
import type { DisputeContext } from './types.ts';

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

/**
 * The run's customer, as the runs table keeps it (`customer_id`, written with the status at every save) and its
 * run log repeats it (the history of a customer walks the logs: persistence/history.ts): the mirror's customer
 * once the context is loaded, else the one the email was read as, else the one the triage event named.
 */
export function customerOf(context: Pick<DisputeContext, 'loaded' | 'extraction' | 'input'>): number | null {
  const id = context.loaded?.customer?.id ?? context.extraction?.customer_id ?? context.input.customer_id;
  return id == null ? null : Number(id);
}
