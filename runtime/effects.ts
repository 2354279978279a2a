// The effect registry: what each named action of the machine does. Local effects write to this same
// database inside the event's transaction; their results come back to the machine as events.
import type { Sql } from '../persistence/connect.ts';
import type { RunRow } from '../persistence/runs.ts';
import type { DisputeContext, DisputeEvent, EffectParams, EffectType } from '../machines/types.ts';
import type { Clock } from './clock.ts';

export interface EffectContext {
  tx: Sql;
  clock: Clock;
  now: Date;
  run: RunRow;
  context: DisputeContext;
  /** Where ledger events are announced (NOTIFY_WEBHOOK_URL), if anywhere. */
  notifyUrl?: string | undefined;
}

export type EffectHandler<K extends EffectType> = (ctx: EffectContext, params: EffectParams[K]) => Promise<DisputeEvent | void>;
export type EffectRegistry = { [K in EffectType]: EffectHandler<K> };

/** Effects whose failure is the step's failure (caught at a savepoint), not the transaction's. */
export const FALLIBLE_EFFECTS: ReadonlySet<EffectType> = new Set(['runStep']);
