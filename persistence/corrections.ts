// Queries on corrections: what the approver changed on the HITL envelope, one row per field, the reader's
// value kept beside the approver's. Written in the decision's transaction; exported as labeled examples.
import type { Correction } from '../machines/types.ts';
import type { Db, Tx } from './connect.ts';

export interface CorrectionRow {
  field: string;
  from: unknown;
  to: unknown;
  by: string;
  at: Date;
  proposed_action_id: number;
}

export async function recordCorrections(
  sql: Tx,
  c: { run_id: number; action_id: number; by: string; now: Date; corrections: Correction[] },
): Promise<void> {
  // The values go in as JSON text cast to jsonb: a JS string bound straight to a jsonb column would be
  // serialized as JSON a second time ("\"PRC\""), and a JS null would be SQL NULL instead of JSON null.
  for (const x of c.corrections) {
    await sql`
      INSERT INTO corrections (run_id, proposed_action_id, field, from_value, to_value, corrected_by, corrected_at)
      VALUES (${c.run_id}, ${c.action_id}, ${x.field}, ${JSON.stringify(x.from ?? null)}::text::jsonb, ${JSON.stringify(x.to)}::text::jsonb,
              ${c.by}, ${c.now})`;
  }
}

export async function runCorrections(sql: Db, runId: number): Promise<CorrectionRow[]> {
  return sql<CorrectionRow[]>`
    SELECT field, from_value AS "from", to_value AS "to", corrected_by AS by, corrected_at AS at, proposed_action_id
    FROM corrections WHERE run_id = ${runId} ORDER BY id`;
}

/** The corrected runs as labeled examples: the email as the reader saw it, the approver's labels. */
export interface LabeledExample {
  run_id: number;
  email_uuid: string;
  reason_text: string;
  email: unknown;
  corrected_at: Date;
  corrected_by: string;
  /** Field → [reader's value, approver's value]. */
  corrections: Record<string, { from: unknown; to: unknown }>;
  /** The run's extraction after correction: every field as the approver accepted it. */
  labels: Record<string, unknown>;
}

export async function correctedExamples(sql: Db, opts: { since?: Date | undefined; limit: number; cursor?: number | undefined }) {
  const rows = await sql<(LabeledExample & { id: number })[]>`
    SELECT r.id, r.id AS run_id, r.email_uuid, r.input->>'reason_text' AS reason_text, r.input->'email' AS email,
           max(c.corrected_at) AS corrected_at, min(c.corrected_by) AS corrected_by,
           jsonb_object_agg(c.field, jsonb_build_object('from', c.from_value, 'to', c.to_value)) AS corrections,
           jsonb_build_object(
             'invoice_ref', r.snapshot->'context'->'extraction'->'invoice_ref',
             'customer_id', r.snapshot->'context'->'extraction'->'customer_id',
             'reason_code', r.snapshot->'context'->'extraction'->'reason_code',
             'disputed_amount', r.snapshot->'context'->'extraction'->'disputed_amount') AS labels
    FROM corrections c JOIN runs r ON r.id = c.run_id
    WHERE true
      ${opts.since ? sql`AND c.corrected_at >= ${opts.since}` : sql``}
      ${opts.cursor ? sql`AND r.id < ${opts.cursor}` : sql``}
    GROUP BY r.id
    ORDER BY r.id DESC
    LIMIT ${opts.limit + 1}`;
  const items = rows.slice(0, opts.limit).map(({ id: _id, ...rest }) => rest);
  return { items, next_cursor: rows.length > opts.limit ? String(items.at(-1)!.run_id) : null };
}
