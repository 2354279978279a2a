// Durable timers asked for by the machine (approval window, retry backoff).
import type { EffectParams } from '../machines/types.ts';
import * as timers from '../persistence/timers.ts';
import type { EffectContext } from './effect.ts';

export async function setTimer(c: EffectContext, p: EffectParams['setTimer']): Promise<void> {
  await timers.upsertTimer(c.tx, { run_id: c.run.id, name: p.name, event: p.event, due_at: new Date(c.now.getTime() + p.delay_ms), now: c.now });
}

export async function cancelTimer(c: EffectContext, p: EffectParams['cancelTimer']): Promise<void> {
  await timers.cancelTimer(c.tx, c.run.id, p.name);
}
