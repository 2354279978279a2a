// The durable engine. One event, one transaction: lock the run, revive its snapshot, transition, run the
// local effects inside the same transaction (feeding their results back as events until the machine waits
// on something outside), save snapshot and journal, NOTIFY (delivered by PostgreSQL at commit). Under load,
// events of different runs share a transaction (`deps.group`, runtime/batch.ts): all of them or none, then
// each alone.
import { MACHINE_VERSION, disputeMachine, type DisputeSnapshot } from '../machines/dispute.ts';
import { WORKFLOW_TYPE } from '../machines/contract.ts';
import { customerOf, statusOf } from '../machines/status.ts';
import type { StepName } from '../machines/contract.ts';
import type { DisputeContext, DisputeEvent, DisputeInput, Effect } from '../machines/types.ts';
import { commitNow, type Sql, type Tx } from '../persistence/connect.ts';
import { raiseAlert } from '../persistence/alerts.ts';
import * as runs from '../persistence/runs.ts';
import type { Clock } from './clock.ts';
import { FALLIBLE_EFFECTS, SENT_AT_ONCE_EFFECTS, WRITE_ONLY_EFFECTS, type EffectContext, type EffectRegistry, type ReaderContext } from './effects.ts';
import { claimRun, isShared, optimistically, ranFallibleTogether, sentLast, type GroupCommit } from './batch.ts';
import { restoreSnapshot, RunRestoreError } from './restore.ts';
import { beginExtraction } from '../steps/extract.ts';
import { initialRunTransition, transitionRun } from './transition.ts';

export { RUN_CHANNEL } from '../persistence/runs.ts';
import { RUN_CHANNEL } from '../persistence/runs.ts';
/** A machine that keeps feeding itself events is a bug; stop it rather than loop forever. */
const MAX_EVENTS_PER_TRANSACTION = 200;

export interface EngineDeps {
  sql: Sql;
  clock: Clock;
  effects: EffectRegistry;
  notifyUrl?: string | undefined;
  /**
   * Told how long each applied event took (the metrics' histogram); optional. It must not throw: it is told
   * once the event is done, and its transaction's COMMIT may already have gone out with the save (Finish).
   */
  observe?: ((eventType: string, seconds: number) => void) | undefined;
  /**
   * Group commit (runtime/batch.ts): starts and events that arrive while the engine's transactions are busy share
   * the next one. Absent: every start and event has a transaction of its own.
   */
  group?: GroupCommit | undefined;
}

export interface ApplyResult {
  applied: boolean;
  run: runs.RunRow;
}

export type StartInput = Omit<DisputeInput, 'run_id' | 'started_at'>;

export class RunNotFoundError extends Error {
  readonly code = 'not_found';
}

/** Starts a run, or returns the existing one for the same (workflow_type, email_uuid). */
export async function startRun(deps: EngineDeps, input: StartInput): Promise<{ run: runs.RunRow; created: boolean }> {
  // The start is its transaction's last work (Finish): alone its COMMIT goes with the run's save; in a
  // transaction shared with other runs' work (GroupCommit) the group commits.
  const inTransaction = (tx: Tx) => startRunInTransaction(deps, tx, input, {});
  const alone = () => deps.sql.begin(inTransaction);
  if (!deps.group) return alone();
  return deps.group.submit(`email:${input.email_uuid}`, inTransaction, alone);
}

/** The same inside the caller's transaction: with `finish`, as its last work (see Finish). */
async function startRunInTransaction(deps: EngineDeps, tx: Tx, input: StartInput, finish?: Finish): Promise<{ run: runs.RunRow; created: boolean }> {
  const now = deps.clock.now();
  const inserting = runs.insertRunOnce(tx, {
    workflow_type: WORKFLOW_TYPE,
    email_uuid: input.email_uuid,
    machine_version: MACHINE_VERSION,
    input,
    invoked_by: input.invoked_by,
    now,
  });
  // The extraction reads the email, not the run: its first lookup goes out in the same write as the INSERT,
  // and the extraction effect takes it up (a redelivered start leaves it unused). The INSERT also takes the id of
  // the envelope the start stages, which then goes out with the run's save (steps/approval.ts).
  let begun: EffectContext['begun'];
  try {
    begun = { extraction: beginExtraction(tx, input), proposalId: inserting.then((r) => r?.envelopeId ?? Promise.reject(new Error('no run inserted'))) };
    begun.proposalId!.catch(() => {}); // seen where it is taken; a redelivered start takes none
  } catch (err) {
    await inserting.catch(() => {}); // not left unobserved: the reader's failure is the start's
    throw err;
  }
  const inserted = await inserting;
  if (inserted === null) {
    const existing = await runs.findRunByEmail(tx, WORKFLOW_TYPE, input.email_uuid);
    if (!existing) throw new Error(`run for email ${input.email_uuid} vanished during redelivery`);
    return { run: existing, created: false };
  }
  // The row this transaction inserted is ours until commit: no lock needed.
  const { run } = inserted;
  const fullInput: DisputeInput = Object.assign({}, input, { run_id: run.id, started_at: now.toISOString() });
  const [snapshot, actions] = initialRunTransition(fullInput);
  const init: InitEvent = { type: 'xstate.init', input: fullInput };
  const started = performance.now();
  const { saved } = await drive(deps, tx, run, null, init, snapshot, actions, now, finish, begun);
  deps.observe?.('xstate.init', (performance.now() - started) / 1000);
  return { run: saved, created: true };
}

/** Applies one event to a run. `applied: false` means the current state does not take it: nothing written. */
export async function applyEvent(deps: EngineDeps, runId: number, event: DisputeEvent): Promise<ApplyResult> {
  const inTransaction = (tx: Tx) => applyEventInTransaction(deps, tx, runId, event, {});
  const alone = async () => {
    try {
      return await optimistically(deps.sql, inTransaction, deps.group);
    } catch (err) {
      if (err instanceof RunRestoreError) return { applied: false, run: await failUnrestorable(deps, runId, err) };
      throw err;
    }
  };
  if (!deps.group) return alone();
  // Together, a run that cannot be restored fails the shared transaction: it is then failed alone, as above.
  return deps.group.submit(`run:${runId}`, inTransaction, alone);
}

/**
 * The same, inside a transaction the caller owns (the timer scheduler deletes its row in it). With `finish`, the
 * event is the last thing the transaction does and the engine sends its COMMIT (see `Finish`).
 */
export async function applyEventInTransaction(deps: EngineDeps, tx: Tx, runId: number, event: DisputeEvent, finish?: Finish): Promise<ApplyResult> {
  const started = performance.now();
  const run = await runs.lockRun(tx, runId);
  if (!run) throw new RunNotFoundError(`run ${runId} does not exist`);
  return applyEventToLockedRun(deps, tx, run, event, { started, finish });
}

/**
 * The same, to a run the caller has already locked in its transaction (with runs.lockRun), so that it could look at the run
 * first (a decision checks corrections against its context) without a second read.
 */
export async function applyEventToLockedRun<T = never>(
  deps: EngineDeps,
  tx: Tx,
  run: runs.RunRow,
  event: DisputeEvent,
  opts: { started?: number; finish?: Finish<T> | undefined } = {},
): Promise<ApplyResult & { read?: T }> {
  const started = opts.started ?? performance.now();
  // Shared with other runs' work (GroupCommit): a second event on this run in the same transaction would
  // overwrite this one's save, so it fails the transaction and both run alone. (Nothing outside a shared one.)
  claimRun(tx, run.id);
  const before = restoreSnapshot(run);
  // The machine decides, under the run's lock, whether its state takes the event (an API answers 409 if not).
  if (!before.can(event)) return { applied: false, run };
  const [next, actions] = transitionRun(before, event);
  const { saved, read } = await drive(deps, tx, run, before, event, next, actions, deps.clock.now(), opts.finish);
  deps.observe?.(event.type, (performance.now() - started) / 1000);
  return { applied: true, run: saved, ...(opts.finish?.read ? { read: read as T } : {}) };
}

/**
 * An event that is the last thing its transaction does: the engine sends the transaction's COMMIT itself, in
 * the same write as the run's save (one round trip fewer per event), and nothing may be sent after it (the
 * caller's function must return what `drive` answers and not fail after; vendor/postgres README, Why, 5).
 * When the state does not take the event, nothing is saved nor committed: the caller's transaction ends as usual.
 * In a shared transaction (runtime/batch.ts, `isShared`) the read is sent the same way and the COMMIT left to the group.
 */
export interface Finish<T = unknown> {
  /** A statement whose answer the caller wants, sent behind the save (it sees the event's writes) and before the COMMIT. */
  read?: ((tx: Tx) => Promise<T>) | undefined;
}


/** The event a run's journal starts with: xstate's own, carrying the machine's input. */
type InitEvent = { type: 'xstate.init'; input: DisputeInput };
/** What xstate's `transition` returns as actions; the ones named in the registry are our effects. */
type Actions = readonly { type: string; params?: unknown }[];

async function drive(
  deps: EngineDeps,
  tx: Tx,
  run: runs.RunRow,
  before: DisputeSnapshot | null,
  firstEvent: DisputeEvent | InitEvent,
  firstNext: DisputeSnapshot,
  firstActions: Actions,
  now: Date,
  finish?: Finish,
  begun?: EffectContext['begun'],
): Promise<{ saved: runs.RunRow; read?: unknown }> {
  const journal: Omit<runs.JournalRow, 'seq'>[] = [];
  const pending: DisputeEvent[] = [];
  // Write-only effects in flight (WRITE_ONLY_EFFECTS): awaited before a savepoint and with the run's save;
  // `atOnce` when the effect sends all its statements when called (SENT_AT_ONCE_EFFECTS).
  const writes: { done: Promise<unknown>; atOnce: boolean }[] = [];
  // The first of them to fail, once its failure is known: the COMMIT does not go out behind it.
  let failedWrite: { err: unknown } | undefined;
  const addWrite = (done: Promise<unknown>, atOnce: boolean) => {
    writes.push({ done: track(done), atOnce });
    done.catch((err: unknown) => (failedWrite ??= { err }));
  };
  // An effect's write it does not wait for (EffectContext.pipeline) is a write-only one sent at once.
  const pipeline = (write: Promise<unknown>) => addWrite(write, true);
  // Every effect started without being awaited at once. Its rejection is seen where it is awaited and is never
  // unhandled; and when this event fails, they are all waited for before the failure goes up: an effect still
  // running would otherwise send its next statement behind the ROLLBACK, outside the transaction.
  const started: Promise<unknown>[] = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    started.push(p);
    p.catch(() => {});
    return p;
  };
  try {
    return await driveSteps();
  } catch (err) {
    await Promise.allSettled(started);
    throw err;
  }

  async function driveSteps(): Promise<{ saved: runs.RunRow; read?: unknown }> {
    let snapshot = firstNext;
    let step: { event: DisputeEvent | InitEvent; before: DisputeSnapshot | null; actions: Actions } | undefined = {
      event: firstEvent,
      before,
      actions: firstActions,
    };
    while (step) {
      const effects = step.actions.filter((a) => Object.hasOwn(deps.effects, a.type)).map((a) => ({ type: a.type, params: a.params }) as Effect);
      journal.push({
        event: step.event,
        state_before: step.before?.value ?? null,
        state_after: snapshot.value,
        effects,
        at: now,
      });
      if (journal.length > MAX_EVENTS_PER_TRANSACTION) throw new Error(`run ${run.id} exceeded ${MAX_EVENTS_PER_TRANSACTION} events in one transaction`);
      const ctx: EffectContext = { tx, clock: deps.clock, now, run, context: readerContext(snapshot), notifyUrl: deps.notifyUrl, begun, pipeline };
      // A step's effects are started in order without waiting for each other, so that their statements go out
      // together (postgres.js pipelines what is issued in the same tick on the transaction's connection), except a
      // fallible one: its savepoint must have nothing else of the transaction in flight, or a failure would roll
      // that back too (and a failure already in flight would be taken for the step's). In a shared transaction a
      // fallible step has no savepoint (runEffect) and its failure fails the transaction anyway: it goes side by
      // side with the others (the fan-out's two steps, one round trip instead of two).
      const results: Promise<DisputeEvent | void>[] = [];
      const shared = isShared(tx);
      for (const effect of effects) {
        if (FALLIBLE_EFFECTS.has(effect.type) && !shared) {
          await Promise.all([...writes.splice(0).map((w) => w.done), ...results]);
          results.push(Promise.resolve(await runEffect(deps, ctx, effect)));
        } else if (WRITE_ONLY_EFFECTS.has(effect.type)) {
          addWrite(writeOnly(runEffect(deps, ctx, effect), effect.type), SENT_AT_ONCE_EFFECTS.has(effect.type));
        } else results.push(track(runEffect(deps, ctx, effect)));
      }
      for (const result of await Promise.all(results)) if (result) pending.push(result);
      step = undefined;
      while (!step && pending.length) {
        const event = pending.shift()!;
        const [next, actions] = transitionRun(snapshot, event);
        if (next === snapshot) continue; // a result the state no longer takes: harmless
        step = { event, before: snapshot, actions };
        snapshot = next;
      }
    }
    const status = statusOf(snapshot.value);
    const context = snapshot.context as DisputeContext;
    // The mirror rows are written only when the machine assigned them anew (xstate keeps an unassigned field's
    // object as it was): the snapshot rewritten with every event goes without them.
    // The context is plain JSON (no spawned actors), so the persisted snapshot's context is this one.
    const persisted = disputeMachine.getPersistedSnapshot(snapshot);
    const { loaded, ...persistedContext } = context;
    const loadedChanged = context.loaded !== (before ? (before.context as DisputeContext).loaded : undefined);
    // Journal and snapshot in one statement, sent behind the write-only effects' statements and awaited with them.
    const save = runs.saveRun(
      tx,
      run,
      {
        status,
        state_value: snapshot.value,
        snapshot: Object.assign({}, persisted, { value: snapshot.value, context: persistedContext }),
        ...(loadedChanged ? { loaded } : {}),
        customer_id: customerOf(context),
        machine_version: MACHINE_VERSION,
        events: journal.length,
        now,
      },
      RUN_CHANNEL,
      { firstSeq: run.event_count, rows: journal },
    );
    track(save);
    if (!finish) {
      const [saved] = await Promise.all([save, ...writes.map((w) => w.done)]);
      return { saved };
    }
    const read = finish.read && track(finish.read(tx));
    // A write-only effect that may still send a statement after an answer is done before COMMIT goes out.
    const later = writes.filter((w) => !w.atOnce).map((w) => w.done);
    if (later.length) await Promise.all(later);
    // A write that has failed already (an effect that threw before sending anything) fails the event here, before
    // its COMMIT goes out with the save; one whose statement fails later turns the COMMIT into a rollback.
    if (failedWrite) throw failedWrite.err;
    // A shared transaction's COMMIT is the group's (runtime/batch.ts), sent once every item has sent its last.
    if (isShared(tx)) sentLast(tx);
    else track(commitNow(tx));
    const [saved, readAnswer] = await Promise.all([save, read, ...writes.map((w) => w.done)]);
    return { saved, read: readAnswer };
  }
}

/** A write-only effect answers no event: one that did would be lost, so that is an error. */
async function writeOnly(p: Promise<DisputeEvent | void>, type: string): Promise<void> {
  if (await p) throw new Error(`effect ${type} is write-only (WRITE_ONLY_EFFECTS) but answered an event`);
}

async function runEffect(deps: EngineDeps, ctx: EffectContext, effect: Effect): Promise<DisputeEvent | void> {
  const handler = deps.effects[effect.type] as (c: EffectContext, p: unknown) => Promise<DisputeEvent | void>;
  // In a shared transaction (GroupCommit, or one item's `optimistically`) the step runs without a savepoint (one
  // would roll back the other work sent since), and its failure fails the transaction; the work then runs again
  // alone with savepoints, where it is caught here.
  if (!FALLIBLE_EFFECTS.has(effect.type)) return handler(ctx, effect.params);
  if (isShared(ctx.tx)) {
    ranFallibleTogether(ctx.tx);
    return handler(ctx, effect.params);
  }
  const step = (effect.params as { step: StepName }).step;
  try {
    return await ctx.tx.savepoint((sp) => handler(Object.assign({}, ctx, { tx: sp, pipeline: undefined }), effect.params));
  } catch (err) {
    return { type: 'STEP_FAILED', step, error: describeError(err) };
  }
}

/** A step's error as the approver and the alert should read it: the database's code and message, no stack. */
export function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; constraint_name?: string };
  const parts = [e.code && /^[0-9A-Z]{5}$/.test(e.code) ? `postgres ${e.code}` : e.code, e.constraint_name && `constraint ${e.constraint_name}`, e.message];
  return parts.filter(Boolean).join(': ').slice(0, 500) || String(err);
}

/** A run whose stored state this machine cannot take: mark it failed with the reason, visibly. */
export async function failUnrestorable(deps: EngineDeps, runId: number, err: RunRestoreError): Promise<runs.RunRow> {
  return deps.sql.begin(async (tx) => failLockedUnrestorable(deps, tx, (await runs.lockRun(tx, runId))!, err));
}

/** The same, for a run locked in the caller's transaction (`run` as read under the lock). */
export async function failLockedUnrestorable(deps: EngineDeps, tx: Tx, run: runs.RunRow, err: RunRestoreError): Promise<runs.RunRow> {
  if (run.status === 'failed') return run;
  const now = deps.clock.now();
  const failed = await runs.markUnrestorable(tx, run, err.message, now);
  await raiseAlert(tx, { run_id: run.id, step: null, kind: 'restore_failed', message: err.message, detail: { machine_version: run.machine_version }, now });
  return failed;
}

/**
 * The run's context with the reader's shapes (steps/effect.ts): the machine stores the extraction and the rows
 * exactly as the extraction and context steps returned them, so this only restores their static types. The
 * one place the reader's shapes are asserted; stored snapshots are this code's own writes.
 */
function readerContext(snapshot: DisputeSnapshot): ReaderContext {
  return snapshot.context as ReaderContext;
}
