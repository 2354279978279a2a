// The effect registry: what each named action of the machine does. Local effects write to this same
// database inside the event's transaction; their results come back to the machine as events.
import type { DisputeEvent, EffectParams, EffectType } from '../machines/types.ts';

export type { EffectContext, ReaderContext } from '../steps/effect.ts';
import type { EffectContext } from '../steps/effect.ts';

export type EffectHandler<K extends EffectType> = (ctx: EffectContext, params: EffectParams[K]) => Promise<DisputeEvent | void>;
export type EffectRegistry = { [K in EffectType]: EffectHandler<K> };

/** Effects whose failure is the step's failure (caught at a savepoint), not the transaction's. */
export const FALLIBLE_EFFECTS: ReadonlySet<EffectType> = new Set(['runStep']);
