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
  const event = {
    event_type: 'workflow.alert',
    idempotency_key: `${WORKFLOW_TYPE}:run_${c.run.id}:alert:${p.step}`,
    payload: { run_id: c.run.id, step: p.step, attempts: p.attempts, error: p.error },
  };
  // Issued together (one round trip), and before whatever the engine issues next: the ledger keeps the alert
  // ahead of the run's outcome that the same event records (steps/post.ts).
  const [, recorded] = await Promise.all([
    raiseAlert(c.tx, { run_id: c.run.id, step: p.step, kind: 'step_failed', message, detail: { attempts: p.attempts, error: p.error }, now: c.now }),
    recordEvent(c.tx, { ...event, run_id: c.run.id, now: c.now }),
  ]);
  if (recorded.inserted) await notifyLedgerEvent(c, { id: recorded.id, ...event });
}
