// The verify scheduler: runs each pending check whose window has passed, on the contract's cron schedule
// (VERIFY_SCHEDULE) and on demand. A check runs read-only, with bound parameters and a statement timeout,
// on its own connection; a row found is pass, none is fail, an error or timeout is `timeout`. The result
// is recorded and fed to the run in the transaction that holds the check's row, so it counts exactly once.
import { Cron } from 'croner';
import { isDatabaseUnavailable, type Sql } from '../persistence/connect.ts';
import type { DisputeEvent, VerifyResult } from '../machines/types.ts';
import { applyEventInTransaction, failUnrestorable, type EngineDeps } from './engine.ts';
import { RunRestoreError } from './restore.ts';
import { WORKFLOW_TYPE } from '../machines/contract.ts';
import { announce } from '../steps/notify.ts';

export interface VerifyOutcome {
  run_id: number;
  check_name: string;
  result: VerifyResult;
  detail: string | null;
}

interface DueCheck {
  id: number;
  run_id: number;
  check_name: string;
  sql_check: string;
  params: unknown[];
}

export const CHECK_TIMEOUT_MS = 5000;

/**
 * Runs a check read-only with a statement timeout. Its errors are the `timeout` result, except the database
 * going away (stopped, restarting, the session ended): then the check did not run, and this throws, so that
 * the caller records nothing and the check stays pending.
 */
export async function runCheck(sql: Sql, check: Pick<DueCheck, 'sql_check' | 'params'>, timeoutMs = CHECK_TIMEOUT_MS): Promise<{ result: VerifyResult; detail: string | null }> {
  try {
    const rows = await sql.begin('read only', async (tx) => {
      await tx.unsafe(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      return tx.unsafe(check.sql_check, check.params as never[]);
    });
    return rows.length > 0 ? { result: 'pass', detail: `found ${rows.length} row(s)` } : { result: 'fail', detail: 'no row found' };
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    const e = err as { code?: string; message?: string };
    return { result: 'timeout', detail: `${e.code ?? 'error'}: ${e.message ?? String(err)}`.slice(0, 500) };
  }
}

/**
 * Runs every due check (each in its own transaction), or only those of one run; returns what was recorded.
 * A run that cannot take its result (its snapshot cannot be restored) keeps the recorded result and is then
 * marked failed with an alert, as on the timer path: never silently left where it was.
 */
export async function runDueChecks(deps: EngineDeps, opts: { max?: number; timeoutMs?: number; only?: { run_id: number } } = {}): Promise<VerifyOutcome[]> {
  const out: VerifyOutcome[] = [];
  for (let i = 0; i < (opts.max ?? 1000); i++) {
    let unrestorable: RunRestoreError | undefined;
    const done = await deps.sql.begin(async (tx) => {
      const sql = tx as unknown as Sql;
      const now = deps.clock.now();
      const [check]: [DueCheck?] = await sql`
        SELECT v.id, v.run_id, v.check_name, v.sql_check, v.params
        FROM workflow_verify_results v JOIN runs r ON r.id = v.run_id
        WHERE v.status = 'pending' AND v.due_at <= ${now} ${opts.only ? sql`AND v.run_id = ${opts.only.run_id}` : sql``}
        ORDER BY v.due_at, v.id LIMIT 1
        FOR UPDATE SKIP LOCKED`;
      if (!check) return null;
      const { result, detail } = await runCheck(deps.sql, check, opts.timeoutMs);
      await sql`UPDATE workflow_verify_results SET status = ${result}, checked_at = ${deps.clock.now()}, detail = ${sql.json({ message: detail })}
        WHERE id = ${check.id}`;
      // The real outcome reaches subscribers without reading the database: one ledger event per run and check.
      await announce(sql, deps.notifyUrl, {
        event_type: 'workflow.verified',
        idempotency_key: `${WORKFLOW_TYPE}:run_${check.run_id}:verify:${check.check_name}`,
        run_id: check.run_id,
        payload: { run_id: check.run_id, workflow_type: WORKFLOW_TYPE, check: check.check_name, result, detail },
        now: deps.clock.now(),
      });
      const event: DisputeEvent = { type: 'VERIFY_RESULT', check: check.check_name, result, detail };
      try {
        await tx.savepoint((sp) => applyEventInTransaction(deps, sp as unknown as Sql, check.run_id, event));
      } catch (err) {
        if (!(err instanceof RunRestoreError)) throw err;
        unrestorable = err; // failed below, once this transaction has recorded the result and let go of the run
      }
      return { run_id: check.run_id, check_name: check.check_name, result, detail };
    });
    if (!done) break;
    if (unrestorable) await failUnrestorable(deps, done.run_id, unrestorable);
    out.push(done);
  }
  return out;
}

/** Next fire times of a cron schedule after `from` (UTC). Throws a clear error for a bad expression. */
export function nextFireTimes(schedule: string, from: Date, n = 1): Date[] {
  return parseSchedule(schedule).nextRuns(n, from);
}

export function parseSchedule(schedule: string): Cron {
  try {
    return new Cron(schedule, { paused: true, timezone: 'UTC', mode: '5-part' });
  } catch (err) {
    throw new Error(`VERIFY_SCHEDULE "${schedule}" is not a valid cron expression: ${(err as Error).message}`);
  }
}

/** Runs due checks at each fire time of the schedule, by the injected clock; stop() waits for a run in flight. */
export function verifyScheduler(deps: EngineDeps, schedule: string, onError: (err: unknown) => void, tickMs = 1000) {
  const cron = parseSchedule(schedule);
  let next = cron.nextRun(deps.clock.now());
  let running: Promise<unknown> | undefined;
  let interval: NodeJS.Timeout | undefined;
  return {
    async start(): Promise<void> {
      interval = setInterval(() => {
        if (running || !next || deps.clock.now() < next) return;
        next = cron.nextRun(deps.clock.now());
        running = runDueChecks(deps).catch(onError).finally(() => (running = undefined));
      }, tickMs);
      interval.unref();
    },
    async stop() {
      clearInterval(interval);
      await running;
    },
  };
}
