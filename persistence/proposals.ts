// Queries on proposed_actions and approval_decisions.
import { createHash } from 'node:crypto';
import type { Sql } from './connect.ts';

export interface ProposedAction {
  id: number;
  run_id: number;
  step: string;
  action_type: string;
  entity_type: string;
  entity_ref: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  proposed_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
}

export async function stageProposal(
  sql: Sql,
  p: { run_id: number; step: string; action_type: string; entity_type: string; entity_ref: string; payload: unknown; now: Date },
): Promise<number> {
  const [row]: [{ id: number }?] = await sql`
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
    VALUES (${p.run_id}, ${p.step}, ${p.action_type}, ${p.entity_type}, ${p.entity_ref}, ${sql.json(p.payload as never)}, 'pending', ${p.now})
    RETURNING id`;
  return row!.id;
}

export class DecisionConflictError extends Error {
  readonly code = 'conflict';
}

/** Records a decision as a fact; a second decision on the same action is a conflict. */
export async function decide(
  sql: Sql,
  d: { action_id: number; decision: 'approved' | 'rejected' | 'expired'; by: string; note: string | null; now: Date },
): Promise<ProposedAction> {
  const [row]: [ProposedAction?] = await sql`
    UPDATE proposed_actions SET status = ${d.decision}, decided_at = ${d.now}, decided_by = ${d.by}, decision_note = ${d.note}
    WHERE id = ${d.action_id} AND status = 'pending'
    RETURNING *`;
  if (!row) throw new DecisionConflictError(`proposed action ${d.action_id} is not pending`);
  const shown = createHash('sha256').update(JSON.stringify(row.payload)).digest('hex');
  await sql`
    INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at)
    VALUES (${row.id}, ${row.run_id}, ${d.decision}, ${d.by}, ${d.note}, ${shown}, ${d.now})`;
  return row;
}

export async function getProposal(sql: Sql, id: number): Promise<ProposedAction | undefined> {
  const [row]: [ProposedAction?] = await sql`SELECT * FROM proposed_actions WHERE id = ${id}`;
  return row;
}

