// The verify scheduler: runs each pending check whose window has passed, on the contract's cron schedule
// (VERIFY_SCHEDULE) and on demand. A check runs read-only, with bound parameters and a statement timeout,
// on its own connection; a row found is pass, none is fail, an error or timeout is `timeout`. The result
// is recorded and fed to the run in the transaction that holds the check's row, so it counts exactly once.
import { Cron } from 'croner';
import { isDatabaseUnavailable, type Sql, type Tx } from '../persistence/connect.ts';
import type { DisputeEvent, VerifyResult } from '../machines/types.ts';
import { claimDueCheck, claimDueChecks, countCheckRows, recordCheckResult, type DueCheck } from '../persistence/verify.ts';
import { applyQueuedEvent, claimAndApply, failUnrestorableAfter } from './claim.ts';
import { settleAll, shareTransaction } from './batch.ts';
import type { EngineDeps } from './engine.ts';
import type { RunRestoreError } from './restore.ts';
import { Poller, WakeUp } from './poller.ts';
import { SCHEDULER_WORKERS } from './timers.ts';
import { WORKFLOW_TYPE } from '../machines/contract.ts';
import { announce } from '../steps/notify.ts';

export interface VerifyOutcome {
  run_id: number;
  check_name: string;
  result: VerifyResult;
  detail: string | null;
}

export const CHECK_TIMEOUT_MS = 5000;

/**
 * Runs a check read-only with a statement timeout. Its errors are the `timeout` result, except the database
 * going away (stopped, restarting, the session ended): then the check did not run, and this throws, so that
 * the caller records nothing and the check stays pending.
 */
export async function runCheck(sql: Sql, check: Pick<DueCheck, 'sql_check' | 'params'>, timeoutMs = CHECK_TIMEOUT_MS): Promise<{ result: VerifyResult; detail: string | null }> {
  try {
    const found = await countCheckRows(sql, check, timeoutMs);
    return found > 0 ? { result: 'pass', detail: `found ${found} row(s)` } : { result: 'fail', detail: 'no row found' };
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    const e = err as { code?: string; message?: string };
    return { result: 'timeout', detail: `${e.code ?? 'error'}: ${e.message ?? String(err)}`.slice(0, 500) };
  }
}

/**
 * Runs every due check, or only those of one run; returns what was recorded. With group commit (`deps.group`),
 * up to its batch of checks of different runs share a transaction: claimed together, run one after another
 * (on one connection beside the claim's: the pool budget of `verifyWorkers`), their results recorded and fed to
 * their runs together; if any of that fails, as many go again one transaction each, where a failure is its own.
 * Without it, each check has its own transaction. A run that cannot take its result (its snapshot cannot be
 * restored) keeps the recorded result and is then marked failed with an alert, as on the timer path: never
 * silently left where it was.
 */
export async function runDueChecks(deps: EngineDeps, opts: { max?: number; timeoutMs?: number; only?: { run_id: number } } = {}): Promise<VerifyOutcome[]> {
  const max = opts.max ?? 1000;
  const batch = deps.group?.batch ?? 1;
  if (batch <= 1) return runChecksAlone(deps, opts, max);
  const out: VerifyOutcome[] = [];
  while (out.length < max) {
    const done = await runChecksTogether(deps, opts, Math.min(batch, max - out.length));
    if (done.length === 0) break;
    out.push(...done);
  }
  return out;
}

type CheckOptions = { timeoutMs?: number; only?: { run_id: number } };

/** Due checks one transaction each, up to `max`. */
function runChecksAlone(deps: EngineDeps, opts: CheckOptions, max: number): Promise<VerifyOutcome[]> {
  return claimAndApply<DueCheck, VerifyOutcome & { unrestorable?: RunRestoreError | undefined }>(
    deps.sql,
    {
      claim: (tx) => claimDueCheck(tx, deps.clock.now(), opts.only),
      async apply(tx, check) {
        const outcome = await runCheck(deps.sql, check, opts.timeoutMs);
        // the transaction's last work: its COMMIT goes with the run's save, behind the result and its announcement
        return Object.assign({}, describe(check, outcome), { unrestorable: await recordAndApply(deps, tx, check, outcome) });
      },
      async afterCommit(check, outcome) {
        // Failed once this transaction has recorded the result and let go of the run.
        const { unrestorable, ...recorded } = outcome!;
        await failUnrestorableAfter(deps, check.run_id, unrestorable);
        return recorded;
      },
    },
    max,
  );
}

/** Up to `n` due checks of different runs in one transaction; none when none is due. */
async function runChecksTogether(deps: EngineDeps, opts: CheckOptions, n: number): Promise<VerifyOutcome[]> {
  let claimed: DueCheck[] = []; // known to the fallback: as many go again alone
  let done: { outcome: VerifyOutcome; unrestorable: RunRestoreError | undefined }[];
  try {
    done = await deps.sql.begin(async (tx) => {
      shareTransaction(tx); // several runs' events: the COMMIT is this function's, and no step has a savepoint
      const due = await claimDueChecks(tx, deps.clock.now(), n, opts.only);
      // One check per run: a run's second due check stays pending (its row lock goes at commit) for the next round.
      const runs = new Set<number>();
      claimed = due.filter((c) => !runs.has(c.run_id) && Boolean(runs.add(c.run_id)));
      const outcomes: { result: VerifyResult; detail: string | null }[] = [];
      for (const check of claimed) outcomes.push(await runCheck(deps.sql, check, opts.timeoutMs));
      const unrestorable = await settleAll(claimed.map((check, i) => recordAndApply(deps, tx, check, outcomes[i]!)));
      return claimed.map((check, i) => ({ outcome: describe(check, outcomes[i]!), unrestorable: unrestorable[i] }));
    });
  } catch (err) {
    if (claimed.length <= 1 || isDatabaseUnavailable(err)) throw err;
    return runChecksAlone(deps, opts, claimed.length);
  }
  for (const d of done) await failUnrestorableAfter(deps, d.outcome.run_id, d.unrestorable);
  return done.map((d) => d.outcome);
}

function describe(check: DueCheck, o: { result: VerifyResult; detail: string | null }): VerifyOutcome {
  return { run_id: check.run_id, check_name: check.check_name, result: o.result, detail: o.detail };
}

/**
 * In the check's claiming transaction: the result recorded, announced and fed to the run, issued together
 * (pipelined on the transaction's connection). The real outcome reaches subscribers without reading the
 * database: one ledger event per run and check. Settled all before a failure goes up: none is still running
 * (and about to send a statement behind the transaction's ROLLBACK) when it does. The event is the
 * transaction's last work: alone, its COMMIT goes with the run's save; in a shared transaction (other checks'
 * runs in it too, `shareTransaction`), the transaction's owner commits.
 */
async function recordAndApply(deps: EngineDeps, tx: Tx, check: DueCheck, o: { result: VerifyResult; detail: string | null }): Promise<RunRestoreError | undefined> {
  const event: DisputeEvent = { type: 'VERIFY_RESULT', check: check.check_name, result: o.result, detail: o.detail };
  const settled = await settleAll<unknown>([
    recordCheckResult(tx, check.id, { result: o.result, detail: o.detail, now: deps.clock.now() }),
    announce(tx, deps.notifyUrl, {
      event_type: 'workflow.verified',
      idempotency_key: `${WORKFLOW_TYPE}:run_${check.run_id}:verify:${check.check_name}`,
      run_id: check.run_id,
      payload: { run_id: check.run_id, workflow_type: WORKFLOW_TYPE, check: check.check_name, result: o.result, detail: o.detail },
      now: deps.clock.now(),
    }),
    applyQueuedEvent(deps, tx, check.run_id, event, {}),
  ]);
  return settled[2] as RunRestoreError | undefined;
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

/**
 * Runs due checks at each fire time of the schedule, by the injected clock: a `Poller` whose job waits for
 * the next fire time, woken at that time (not up to a tick later). When checks are due, `workers` claim loops
 * drain them side by side. Each loop holds two connections while a check runs (the claim's transaction and
 * the check's own read-only one), so the loops are kept below half the pool (`verifyWorkers`). stop() waits
 * for a run in flight.
 */
export function verifyScheduler(deps: EngineDeps, schedule: string, onError: (err: unknown) => void, opts: { tickMs?: number; workers?: number } = {}): Poller {
  const cron = parseSchedule(schedule);
  const tickMs = opts.tickMs ?? 1000;
  const workers = opts.workers ?? 1;
  let next = cron.nextRun(deps.clock.now());
  const wakeUp = new WakeUp(() => poller.kick());
  const poller = new Poller(deps.sql, null, async () => {
    if (!next || wakeUp.until(next, deps.clock.now(), tickMs)) return;
    next = cron.nextRun(deps.clock.now());
    // One claim first: an empty fire time costs one claim, and the other loops join only when a check was due.
    if ((await runDueChecks(deps, { max: 1 })).length === 0) return;
    await Promise.all(Array.from({ length: workers }, () => runDueChecks(deps)));
  }, tickMs, onError);
  return poller;
}

/**
 * Verify claim loops for a pool of `poolMax` connections: each holds two while its check runs, so at most
 * (poolMax - 2) / 2 of them (at least one, at most SCHEDULER_WORKERS), leaving connections for the API.
 */
export function verifyWorkers(poolMax: number): number {
  return Math.max(1, Math.min(SCHEDULER_WORKERS, Math.floor((poolMax - 2) / 2)));
}
