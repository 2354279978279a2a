// Verify checks: staged pending when the run reaches verifying (response_drafted) or when the approver
// approves the drafted reply (response_sent); run later by the verify scheduler.
import { CONTRACT } from '../machines/contract.ts';
import type { EffectParams } from '../machines/types.ts';
import type { Tx } from '../persistence/connect.ts';
import { stageCheck } from '../persistence/verify.ts';
import type { EffectContext } from './effect.ts';

export async function stageVerify(c: EffectContext, p: EffectParams['stageVerify']): Promise<void> {
  const approvedAt = c.context.decision?.at ?? c.run.created_at.toISOString();
  const checks = p.checks.map((name) => {
    const check = CONTRACT.verify_checks.find((v) => v.name === name);
    if (!check) throw new Error(`verify check ${name} is not in the contract`);
    return check;
  });
  // Issued together: one round trip however many checks.
  await Promise.all(checks.map((check) => stageCheck(c.tx, {
    run_id: c.run.id,
    check_name: check.name,
    sql_check: check.sql_check,
    params: [c.run.id, approvedAt],
    due_at: new Date(c.now.getTime() + check.window_seconds * 1000),
    now: c.now,
  })));
}

/** response_sent: staged in the transaction that approves the drafted reply and queues its delivery. */
export async function stageResponseSent(tx: Tx, p: { run_id: number; proposed_action_id: number; now: Date }): Promise<void> {
  const check = CONTRACT.verify_checks.find((v) => v.name === 'response_sent')!;
  await stageCheck(tx, {
    run_id: p.run_id,
    check_name: check.name,
    sql_check: check.sql_check,
    params: [p.run_id, p.proposed_action_id],
    due_at: new Date(p.now.getTime() + check.window_seconds * 1000),
    now: p.now,
  });
}
