// Queries on workflow_verify_results: checks staged pending, claimed and recorded by the verify scheduler
// (runtime/verify.ts), and the contract's check itself, run read-only with a statement timeout.
import { commitNow, type Sql, type Tx } from './connect.ts';

export async function stageCheck(
  sql: Tx,
  c: { run_id: number; check_name: string; sql_check: string; params: unknown[]; due_at: Date; now: Date },
): Promise<void> {
  await sql`
    INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, created_at)
    VALUES (${c.run_id}, ${c.check_name}, ${c.sql_check}, ${sql.json(c.params as never)}, 'pending', ${c.due_at}, ${c.now})`;
}

export interface DueCheck {
  id: number;
  run_id: number;
  check_name: string;
  sql_check: string;
  params: unknown[];
}

/** Locks the next pending check whose window has passed, and its run, skipping rows others hold. */
export async function claimDueCheck(sql: Tx, now: Date, only?: { run_id: number }): Promise<DueCheck | undefined> {
  return (await claimDueChecks(sql, now, 1, only))[0];
}

/**
 * The same for up to `limit` checks, oldest due first (a run with several due checks may come more than once).
 * The statement is answered unsent (awaiting it sends it), so that a test can EXPLAIN it: it reads the pending
 * checks in the order it claims them, through the index on (due_at, id) of migration 0013, and stops at `limit`,
 * however many are due, even at one instant.
 */
export const claimDueChecks = (sql: Tx, now: Date, limit: number, only?: { run_id: number }) => sql<DueCheck[]>`
  SELECT v.id, v.run_id, v.check_name, v.sql_check, v.params
  FROM workflow_verify_results v JOIN runs r ON r.id = v.run_id
  WHERE v.status = 'pending' AND v.due_at <= ${now} ${only ? sql`AND v.run_id = ${only.run_id}` : sql``}
  ORDER BY v.due_at, v.id LIMIT ${limit}
  FOR UPDATE SKIP LOCKED`;

export async function recordCheckResult(sql: Tx, id: number, r: { result: string; detail: string | null; now: Date }): Promise<void> {
  await sql`UPDATE workflow_verify_results SET status = ${r.result}, checked_at = ${r.now}, detail = ${sql.json({ message: r.detail })}
    WHERE id = ${id}`;
}

/**
 * Runs a check's SQL (the contract's text, with bound parameters) in a read-only transaction of its own,
 * cut off after `timeoutMs`; returns how many rows it found. Errors are the caller's to interpret.
 */
export async function countCheckRows(sql: Sql, check: Pick<DueCheck, 'sql_check' | 'params'>, timeoutMs: number): Promise<number> {
  const rows = await sql.begin('read only', async (tx) => {
    // Sent together (with BEGIN: one round trip): the timeout is set before the check runs, and a failure of
    // either fails the transaction. The contract's query text (machines/contract.ts), never customer text;
    // values travel as parameters; prepared, as every statement of ours is, so it is described only once
    // per connection.
    // COMMIT goes with them too (a read-only transaction has nothing to keep; vendor/postgres README, Why, 5).
    const both = Promise.all([
      tx`SELECT set_config('statement_timeout', ${String(Math.max(1, Math.floor(timeoutMs)))}, true)`,
      tx.unsafe(check.sql_check, check.params as never[], { prepare: true }),
    ]);
    commitNow(tx);
    return (await both)[1];
  });
  return rows.length;
}
