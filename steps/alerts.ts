// A step's final failure (alert_on_final_failure): an alert row the API and inspector list, and a ledger event.
import { CONTRACT, WORKFLOW_TYPE } from '../machines/contract.ts';
import type { EffectParams } from '../machines/types.ts';
import { raiseAlert } from '../persistence/alerts.ts';
import { announce } from './notify.ts';
import type { EffectContext } from './effect.ts';

export async function alertStepFailed(c: EffectContext, p: EffectParams['alertStepFailed']): Promise<void> {
  if (!CONTRACT.retry_policy.alert_on_final_failure) return;
  const message = `run ${c.run.id}: step ${p.step} failed after ${p.attempts} attempt(s): ${p.error}`;
  const event = {
    event_type: 'workflow.alert',
    idempotency_key: `${WORKFLOW_TYPE}:run_${c.run.id}:alert:${p.step}`,
    run_id: c.run.id,
    payload: { run_id: c.run.id, step: p.step, attempts: p.attempts, error: p.error },
    now: c.now,
  };
  // Issued together (one round trip, nothing sent after an answer), and before whatever the engine issues next:
  // the ledger keeps the alert ahead of the run's outcome that the same event records (steps/post.ts).
  await Promise.all([
    raiseAlert(c.tx, { run_id: c.run.id, step: p.step, kind: 'step_failed', message, detail: { attempts: p.attempts, error: p.error }, now: c.now }),
    announce(c.tx, c.notifyUrl, event),
  ]);
}
