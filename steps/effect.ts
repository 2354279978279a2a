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
   * up (once: it clears what it takes). The extraction's first lookup (steps/extract.ts, beginExtraction).
   */
  begun?: { extraction?: BegunExtraction | undefined } | undefined;
}
