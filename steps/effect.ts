// What a step receives when the runner executes one of the machine's effects: the event's transaction,
// the clock and "now", the run row, and the machine's context after the transition.
import type { Tx } from '../persistence/connect.ts';
import type { RunRow } from '../persistence/runs.ts';
import type { DisputeContext } from '../machines/types.ts';
import type { CustomerRow, DisputeRow, Extraction, InvoiceRow, PaymentRow } from '../dispute/types.ts';
import type { BegunExtraction } from './extract.ts';

/** The reader's shapes (dispute/types.ts), each defined once there, of what a run's context carries. */
export interface ReaderShapes {
  extraction: Extraction;
  customer: CustomerRow;
  invoice: InvoiceRow;
  payment: PaymentRow;
  dispute: DisputeRow;
}
/** A run's context as the steps read it: the machine's, with the reader's shapes in place of its bags. */
export type ReaderContext = DisputeContext<ReaderShapes>;

export interface EffectContext {
  /** The event's transaction (a savepoint of it for a fallible step). */
  tx: Tx;
  clock: { now(): Date };
  now: Date;
  run: RunRow;
  context: ReaderContext;
  /** Where ledger events are announced (NOTIFY_WEBHOOK_URL), if anywhere. */
  notifyUrl?: string | undefined;
  /**
   * In a start's transaction: work the engine began before the run's row was back, for the effect that takes it
   * up (once: it clears what it takes). The extraction's first lookup (steps/extract.ts, beginExtraction), and
   * the id of the envelope the start stages (persistence/runs.ts, insertRunOnce).
   */
  begun?: { extraction?: BegunExtraction | undefined; proposalId?: Promise<number> | undefined } | undefined;
  /**
   * Hands the engine a write the effect has sent in full and does not wait for (an INSERT whose answer it does
   * not need): the engine waits for it with the run's save, sends the COMMIT behind it, and a failure of it fails
   * the event's transaction, as the effect's own failure would. Absent under a savepoint (a fallible step), where
   * the step's statements are waited for inside it.
   */
  pipeline?: ((write: Promise<unknown>) => void) | undefined;
}
