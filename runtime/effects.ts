// The effect registry: what each named action of the machine does. Local effects write to this same
// database inside the event's transaction; their results come back to the machine as events.
import type { DisputeEvent, EffectParams, EffectType } from '../machines/types.ts';

export type { EffectContext, ReaderContext } from '../steps/effect.ts';
import type { EffectContext } from '../steps/effect.ts';

export type EffectHandler<K extends EffectType> = (ctx: EffectContext, params: EffectParams[K]) => Promise<DisputeEvent | void>;
export type EffectRegistry = { [K in EffectType]: EffectHandler<K> };

/** Effects whose failure is the step's failure (caught at a savepoint), not the transaction's. */
export const FALLIBLE_EFFECTS: ReadonlySet<EffectType> = new Set(['runStep']);

/**
 * Effects that only write and answer no event. The engine sends their statements without waiting for them
 * (they are pipelined with what follows, up to the run's save) and waits for them before a savepoint and with
 * the save: so what runs after one must not read what it writes, and a failure of one fails the transaction.
 */
export const WRITE_ONLY_EFFECTS: ReadonlySet<EffectType> = new Set(['setTimer', 'cancelTimer', 'recordDecision', 'postRun', 'stageVerify', 'alertStepFailed']);

/**
 * Write-only effects that send every statement they make when they are called (before their first answer). The
 * engine sends the transaction's COMMIT in the same write as the run's save when only these are still in
 * flight (one round trip fewer per event); another write-only effect still in flight is waited for first, since
 * a statement it sent after an answer would come behind the COMMIT (and be refused: vendor/postgres, Why, 5).
 */
export const SENT_AT_ONCE_EFFECTS: ReadonlySet<EffectType> = new Set(['setTimer', 'cancelTimer', 'postRun', 'stageVerify', 'alertStepFailed']);
