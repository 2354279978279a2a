// A step's final failure (alert_on_final_failure): an alert row the API and inspector list, and a ledger event.
import { CONTRACT, WORKFLOW_TYPE } from '../machines/contract.ts';
import type { EffectParams } from '../machines/types.ts';
import { raiseAlert } from '../persistence/alerts.ts';
import { recordEvent } from '../persistence/ledger.ts';
import { notifyLedgerEvent } from './notify.ts';
import type { EffectContext } from './effect.ts';

export async function alertStepFailed(c: EffectContext, p: EffectParams['alertStepFailed']): Promise<void> {
  if (!CONTRACT.retry_policy.alert_on_final_failure) return;
  const message = `run ${c.run.id}: step ${p.step} failed after ${p.attempts} attempt(s): ${p.error}`;
  await raiseAlert(c.tx, { run_id: c.run.id, step: p.step, kind: 'step_failed', message, detail: { attempts: p.attempts, error: p.error }, now: c.now });
  const event = {
    event_type: 'workflow.alert',
    idempotency_key: `${WORKFLOW_TYPE}:run_${c.run.id}:alert:${p.step}`,
    payload: { run_id: c.run.id, step: p.step, attempts: p.attempts, error: p.error },
  };
  const recorded = await recordEvent(c.tx, { ...event, run_id: c.run.id, now: c.now });
  if (recorded.inserted) await notifyLedgerEvent(c, { id: recorded.id, ...event });
}
