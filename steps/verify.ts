// Verify checks: staged pending when the run reaches verifying; run later by the verify scheduler.
import { CONTRACT } from '../machines/contract.ts';
import type { EffectParams } from '../machines/types.ts';
import type { EffectContext } from './effect.ts';

export async function stageVerify(c: EffectContext, p: EffectParams['stageVerify']): Promise<void> {
  const approvedAt = c.context.decision?.at ?? c.run.created_at.toISOString();
  for (const name of p.checks) {
    const check = CONTRACT.verify_checks.find((v) => v.name === name);
    if (!check) throw new Error(`verify check ${name} is not in the contract`);
    await c.tx`
      INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, created_at)
      VALUES (${c.run.id}, ${name}, ${check.sql_check}, ${c.tx.json([c.run.id, approvedAt])}, 'pending',
              ${new Date(c.now.getTime() + check.window_seconds * 1000)}, ${c.now})`;
  }
}
