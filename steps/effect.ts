// What a step receives when the runner executes one of the machine's effects: the event's transaction,
// the clock and "now", the run row, and the machine's context after the transition.
import type { Tx } from '../persistence/connect.ts';
import type { RunRow } from '../persistence/runs.ts';
import type { DisputeContext } from '../machines/types.ts';

export interface EffectContext {
  /** The event's transaction (a savepoint of it for a fallible step). */
  tx: Tx;
  clock: { now(): Date };
  now: Date;
  run: RunRow;
  context: DisputeContext;
  /** Where ledger events are announced (NOTIFY_WEBHOOK_URL), if anywhere. */
  notifyUrl?: string | undefined;
}
