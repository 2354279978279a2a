// The model of the model-based tests: the dispute machine, the world its runs live in (which mirror data
// a dispute reads, how each fan-out attempt goes, which deployment severities apply), and what the runner
// does between two rests. States, transitions, timers and delays are read from the machine and CONTRACT;
// every event is listed once, in EVENTS, with how the model sends it and how the real system produces it
// (a new event type does not compile until it has an entry there).
import { expect } from 'vitest';
import { getInitialMicrosteps, getMicrosteps, initialTransition, transition, type AnyStateNode, type StateValue } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { CONTRACT, FAN_OUT_STEPS, RUN_VERIFY_CHECKS, retryDelayMs, type StepName } from '../../machines/contract.ts';
import { disputeMachine, type DisputeSnapshot } from '../../machines/dispute.ts';
import { statusOf } from '../../machines/status.ts';
import type { DisputeContext, DisputeEvent, DisputeEventType, DisputeInput, EffectParams, EffectType, LoadedContext, RunEnding } from '../../machines/types.ts';
import type { Sql } from '../../persistence/connect.ts';
import type { ManualClock } from '../../runtime/clock.ts';
import type { VerifyOutcome } from '../../runtime/verify.ts';

export type Ev<K extends DisputeEventType = DisputeEventType> = Extract<DisputeEvent, { type: K }>;
type Action = { type: string; params?: unknown };

// ── The world ───────────────────────────────────────────────────────────────────────────────────────

/** The mirror data a dispute reads, chosen by the sample email its triage event carries (by customer). */
export const SCENARIOS = {
  one_dispute: { customer_id: 1002, invoice_found: true, prior_disputes: 0 },
  many_disputes: { customer_id: 1003, invoice_found: true, prior_disputes: CONTRACT.hold_review_threshold },
  missing_invoice: { customer_id: 1016, invoice_found: false, prior_disputes: 0 },
} as const;
export type Scenario = keyof typeof SCENARIOS;

/** Deployments: the contract's severities, and each precondition's severity flipped (PRECONDITION_SEVERITY). */
export const CONFIGS: Record<string, Record<string, 'warn' | 'block'>> = {
  contract: {},
  ...Object.fromEntries(
    CONTRACT.preconditions.map((p) => {
      const flipped = p.severity === 'warn' ? 'block' : 'warn';
      return [`${p.name}=${flipped}`, { [p.name]: flipped }];
    }),
  ),
};

export interface World {
  config: string;
  scenario: Scenario;
  /** How attempt `attempt` (1, 2, …) of a fan-out step goes; undefined when the world does not say. */
  outcome(step: StepName, attempt: number): 'ok' | 'fail' | undefined;
}

export const modelInput = (config: string): DisputeInput => ({
  run_id: 1, email_uuid: 'model', customer_id: null, invoice_ref: null, reason_text: 'x', email: null, invoked_by: 'model', started_at: 'x',
  precondition_severity: CONFIGS[config],
});

const loadedFor = (s: Scenario): LoadedContext => ({
  customer: { id: SCENARIOS[s].customer_id }, invoice: SCENARIOS[s].invoice_found ? { id: 1 } : null, invoice_matches: SCENARIOS[s].invoice_found ? 1 : 0,
  recent_payments: [], prior_disputes: SCENARIOS[s].prior_disputes, open_disputes: [], prior_invoices: [],
});

// ── The real system, as the drivers of external events see it (tests/model/system.ts builds it) ──────

export interface RealSystem {
  sql: Sql;
  clock: ManualClock;
  api(method: string, path: string, body?: unknown): Promise<Response>;
  /** Fires the run's timer of that name if it is due; how many fired. */
  fireTimer(runId: number, name: string): Promise<number>;
  /** Runs the run's due verify checks. */
  runChecks(runId: number): Promise<VerifyOutcome[]>;
}

/** What a driver knows: the run, its envelope, the model's state before the event, and whether the model takes it. */
export interface DriveContext {
  sys: RealSystem;
  runId: number;
  envelopeId: number | null;
  before: DisputeSnapshot;
  takes: boolean;
}

/** A row that stands for a pending external event: a timer, or a verify check. */
type Pending = { table: 'timers' | 'checks'; name: string; delayMs: number };

// ── Every event, in one place ───────────────────────────────────────────────────────────────────────

interface ModelSide<K extends DisputeEventType> {
  /** The payloads the model may send in state s (xstate/graph's `events` option replaces its default). */
  model(s: DisputeSnapshot): Ev<K>[];
}
/** Produced by the runner itself, inside the event's transaction: the result of an effect the machine asked for. */
interface RunnerEvent<K extends DisputeEventType, F extends EffectType = EffectType> extends ModelSide<K> {
  answers: F;
  /** The result the world gives for this effect, if it is this event. */
  answer(params: EffectParams[F], world: World): Ev<K> | undefined;
  /** Whether event e is the result of that effect (default: any effect of that type). */
  matches?(params: EffectParams[F], e: Ev<K>): boolean;
}
/** Brought by the outside (the approver, a timer, the verify scheduler): how the test makes the real system produce it. */
interface ExternalEvent<K extends DisputeEventType> extends ModelSide<K> {
  /** Produces e in the real system and checks the system took it exactly when the model takes it. */
  drive(x: DriveContext, e: Ev<K>): Promise<void>;
  /** The timer or verify check that exists exactly while the model would take e, and its delay by CONTRACT. */
  pending?(e: Ev<K>, s: DisputeSnapshot): Pending;
}
type EventSpec<K extends DisputeEventType> = RunnerEvent<K, any> | ExternalEvent<K>;

const runner = <K extends DisputeEventType, F extends EffectType>(answers: F, spec: Omit<RunnerEvent<K, F>, 'answers'>): RunnerEvent<K, F> => ({ answers, ...spec });

const stepEvents = <K extends 'STEP_SUCCEEDED' | 'STEP_FAILED'>(type: K, outcome: 'ok' | 'fail') =>
  runner<K, 'runStep'>('runStep', {
    model: () => FAN_OUT_STEPS.map((step) => (type === 'STEP_SUCCEEDED' ? { type, step, proposed_action_id: 1 } : { type, step, error: 'e' }) as Ev<K>),
    answer: (p, w) => (w.outcome(p.step, p.attempt) === outcome ? (type === 'STEP_SUCCEEDED' ? { type, step: p.step, proposed_action_id: 1 } : { type, step: p.step, error: 'e' }) as Ev<K> : undefined),
    matches: (p, e) => p.step === (e as Ev<'STEP_SUCCEEDED' | 'STEP_FAILED'>).step,
  });

const decide = (verb: 'approve' | 'reject') => async (x: DriveContext, e: Ev<'APPROVE' | 'REJECT'>) => {
  if (x.envelopeId === null) {
    expect(x.takes, 'a run without an envelope cannot be decided').toBe(false);
    return;
  }
  // The model's corrected customer stands for "the customer given by the approver": the real run is sent its
  // own (so the mirror check passes and its facts stay the world's), which re-loads the context all the same.
  let corrections = e.type === 'APPROVE' ? e.corrections : undefined;
  if (corrections?.customer_id !== undefined) {
    const [run]: [{ customer_id: number | null }?] = await x.sys.sql`SELECT customer_id FROM runs WHERE id = ${x.runId}`;
    corrections = { ...corrections, customer_id: run?.customer_id ?? SCENARIOS.one_dispute.customer_id };
  }
  const res = await x.sys.api('POST', `/proposed-actions/${x.envelopeId}/${verb}`, verb === 'approve' ? { note: 'model', ...(corrections ? { corrections } : {}) } : { reason: 'model' });
  expect(res.status, `${verb} answers 200 exactly when the model takes it`).toBe(x.takes ? 200 : 409);
};

// The rows that stand for pending external events, with their delays from CONTRACT.
const windowTimer = (): Pending => ({ table: 'timers', name: 'approval_window', delayMs: CONTRACT.hitl.approval_window_minutes * 60_000 });
/** The retry after attempt n waits the contract's delay for the attempt that failed. */
const retryTimer = (e: Ev<'RETRY_STEP'>, s: DisputeSnapshot): Pending => ({
  table: 'timers', name: `retry:${e.step}`, delayMs: retryDelayMs(CONTRACT.retry_policy, Math.max(1, s.context.steps[e.step].attempts)),
});
const verifyCheck = (e: Ev<'VERIFY_RESULT'>): Pending => ({
  table: 'checks', name: e.check, delayMs: CONTRACT.verify_checks.find((c) => c.name === e.check)!.window_seconds * 1000,
});

export const EVENTS: { [K in DisputeEventType]: EventSpec<K> } = {
  EXTRACTED: runner('extractDispute', {
    model: () => [{ type: 'EXTRACTED', extraction: { invoice_ref: 'INV-1', customer_id: 1, reason_code: 'PRC', warnings: [] } }],
    answer: () => ({ type: 'EXTRACTED', extraction: { invoice_ref: 'INV-1', customer_id: 1, reason_code: 'PRC', warnings: [] } }),
  }),
  CONTEXT_LOADED: runner('loadContext', {
    // Loading again after a correction (recontext) finds the world's mirror data: the same scenario.
    model: (s) =>
      s.value === 'recontext' && s.context.loaded
        ? [{ type: 'CONTEXT_LOADED', loaded: s.context.loaded }]
        : (Object.keys(SCENARIOS) as Scenario[]).map((sc) => ({ type: 'CONTEXT_LOADED', loaded: loadedFor(sc) })),
    answer: (_, w) => ({ type: 'CONTEXT_LOADED', loaded: loadedFor(w.scenario) }),
  }),
  APPROVAL_STAGED: runner('stageApproval', {
    model: () => [{ type: 'APPROVAL_STAGED', action_id: 1 }],
    answer: () => ({ type: 'APPROVAL_STAGED', action_id: 1 }),
  }),
  APPROVE: {
    // Plain, with a corrected reason (drafted from the correction, no reload), and with a corrected customer
    // (a customer of the mirror, so the API accepts it; the run re-loads its context through recontext).
    model: (s) =>
      [undefined, { reason_code: 'DSC' }, { customer_id: SCENARIOS.one_dispute.customer_id }].map((corrections) => ({
        type: 'APPROVE' as const, action_id: s.context.envelope_id ?? 1, by: 'mike', note: 'model', at: 'x', ...(corrections ? { corrections } : {}),
      })),
    drive: decide('approve'),
  },
  REJECT: {
    model: (s) => [{ type: 'REJECT', action_id: s.context.envelope_id ?? 1, by: 'mike', reason: 'model', at: 'x' }],
    drive: decide('reject'),
  },
  APPROVAL_EXPIRED: {
    model: () => [{ type: 'APPROVAL_EXPIRED', at: 'x' }],
    pending: windowTimer,
    drive: async (x, e) => {
      await elapse(x, windowTimer(), e.type, () => x.sys.fireTimer(x.runId, 'approval_window'));
      expect(await x.sys.fireTimer(x.runId, 'approval_window'), 'the window timer fires exactly when the model takes APPROVAL_EXPIRED').toBe(x.takes ? 1 : 0);
    },
  },
  STEP_SUCCEEDED: stepEvents('STEP_SUCCEEDED', 'ok'),
  STEP_FAILED: stepEvents('STEP_FAILED', 'fail'),
  RETRY_STEP: {
    model: () => FAN_OUT_STEPS.map((step) => ({ type: 'RETRY_STEP', step })),
    pending: retryTimer,
    drive: async (x, e) => {
      await elapse(x, retryTimer(e, x.before), e.type, () => x.sys.fireTimer(x.runId, `retry:${e.step}`));
      expect(await x.sys.fireTimer(x.runId, `retry:${e.step}`), `the retry timer of ${e.step} fires exactly when the model takes RETRY_STEP`).toBe(x.takes ? 1 : 0);
    },
  },
  VERIFY_RESULT: {
    // What the real check can answer: `pass` needs the drafted reply (response_drafted looks for it); `fail`
    // is produced by removing the draft, `timeout` by a check that errors.
    model: (s) =>
      CONTRACT.verify_checks.filter((c) => RUN_VERIFY_CHECKS.includes(c.name)).flatMap((c) =>
        [...(s.context.steps.draftResponse.status === 'succeeded' ? (['pass'] as const) : []), 'fail' as const, 'timeout' as const].map(
          (result) => ({ type: 'VERIFY_RESULT', check: c.name, result, detail: null }) as Ev<'VERIFY_RESULT'>,
        ),
      ),
    pending: verifyCheck,
    drive: async (x, e) => {
      if (x.takes && e.result === 'fail') await x.sys.sql`DELETE FROM proposed_actions WHERE run_id = ${x.runId} AND action_type = 'customer_email'`;
      if (x.takes && e.result === 'timeout') {
        await x.sys.sql`UPDATE workflow_verify_results SET sql_check = 'SELECT $1::bigint / 0, $2::text' WHERE run_id = ${x.runId} AND check_name = ${e.check}`;
      }
      await elapse(x, verifyCheck(e), e.type, async () => (await x.sys.runChecks(x.runId)).length);
      const results = await x.sys.runChecks(x.runId);
      expect(results.map((r) => [r.check_name, r.result]), 'the check runs exactly when the model takes VERIFY_RESULT').toEqual(x.takes ? [[e.check, e.result]] : []);
    },
  },
};

/** The journal's events: the run's start (with its input), then the machine's events. */
export type JournalEvent = DisputeEvent | { type: 'xstate.init'; input: DisputeInput };

// The one cast left in tests/: EVENTS[type] for a union of keys is a union of specs whose methods take
// different events, which TypeScript cannot correlate with `type` (microsoft/TypeScript#30581).
export const specOf = (type: DisputeEventType) => EVENTS[type] as unknown as EventSpec<DisputeEventType>;
export const isExternal = (spec: EventSpec<DisputeEventType>): spec is ExternalEvent<DisputeEventType> => 'drive' in spec;
export const isDriven = (e: DisputeEvent) => isExternal(specOf(e.type));

/** Every payload of every event the model may send in state s. */
export const modelEvents = (s: DisputeSnapshot): DisputeEvent[] => (Object.keys(EVENTS) as DisputeEventType[]).flatMap((t) => specOf(t).model(s));
/** The external events the outside may bring in state s, taken or not. */
export const externalEvents = (s: DisputeSnapshot): DisputeEvent[] =>
  (Object.keys(EVENTS) as DisputeEventType[]).filter((t) => isExternal(specOf(t))).flatMap((t) => specOf(t).model(s));

export const takes = (s: DisputeSnapshot, e: DisputeEvent) => transition(disputeMachine, s, e)[0] !== s;

/**
 * Brings time to the pending row of an external event: checks that it exists exactly when the model takes
 * the event, that its delay is CONTRACT's, and that it is not due a millisecond before its time.
 */
async function elapse(x: DriveContext, p: Pending, eventType: string, fire: () => Promise<number>): Promise<void> {
  const [row]: [{ due_at: Date; created_at: Date }?] =
    p.table === 'timers'
      ? await x.sys.sql`SELECT due_at, created_at FROM timers WHERE run_id = ${x.runId} AND name = ${p.name}`
      : await x.sys.sql`SELECT due_at, created_at FROM workflow_verify_results WHERE run_id = ${x.runId} AND check_name = ${p.name} AND status = 'pending'`;
  expect(Boolean(row), `${p.name} is pending exactly when the model takes ${eventType}`).toBe(x.takes);
  if (!row) {
    x.sys.clock.advance(p.delayMs);
    return;
  }
  expect(row.due_at.getTime() - row.created_at.getTime(), `the delay of ${p.name} is CONTRACT's`).toBe(p.delayMs);
  const wait = row.due_at.getTime() - x.sys.clock.now().getTime();
  if (wait > 0) {
    x.sys.clock.advance(wait - 1);
    expect(await fire(), `${p.name} is not due a millisecond early`).toBe(0);
    x.sys.clock.advance(1);
  }
}

/** The timers and verify checks that must exist in state s: those of the external events it would take. */
export function pendingIn(s: DisputeSnapshot, table: Pending['table']): string[] {
  const names = new Set<string>();
  for (const t of Object.keys(EVENTS) as DisputeEventType[]) {
    const spec = specOf(t);
    if (!isExternal(spec) || !spec.pending) continue;
    for (const e of spec.model(s)) {
      const p = spec.pending(e, s);
      if (p.table === table && takes(s, e)) names.add(p.name);
    }
  }
  return [...names].sort();
}

// ── What the runner does between two rests, as the model sees it ───────────────────────────────────

export interface JournalEntry {
  type: string;
  step: string | null;
  state_after: StateValue;
}

/** A run as the model predicts it: where it rests, the journal the runner writes, and the endings and alerts it posts. */
export interface ModelRun {
  state: DisputeSnapshot;
  journal: JournalEntry[];
  endings: RunEnding[];
  alerts: number;
}

const answerers = new Map<string, RunnerEvent<DisputeEventType, any>[]>();
for (const t of Object.keys(EVENTS) as DisputeEventType[]) {
  const spec = specOf(t);
  if (!isExternal(spec)) answerers.set(spec.answers, [...(answerers.get(spec.answers) ?? []), spec]);
}
const effectsOf = (actions: readonly unknown[]) => (actions as Action[]).filter((a) => !a.type.startsWith('xstate.'));

/**
 * Mirrors runtime/engine.ts: after an event, answer every effect asked for, in order, one event at a time
 * (an answer the state no longer takes is dropped), until the machine waits on the outside. Undefined when
 * the world has no answer for an effect it was asked.
 */
function settle(run: ModelRun, actions: readonly unknown[], world: World): ModelRun | undefined {
  let { state, journal, endings, alerts } = run;
  const pending: DisputeEvent[] = [];
  let effects = effectsOf(actions);
  for (;;) {
    for (const a of effects) {
      if (a.type === 'postRun') endings = [...endings, (a.params as EffectParams['postRun']).outcome];
      if (a.type === 'alertStepFailed') alerts++;
      const specs = answerers.get(a.type);
      if (!specs) continue;
      const answer = specs.map((s) => s.answer(a.params as never, world)).find(Boolean);
      if (!answer) return undefined;
      pending.push(answer);
    }
    effects = [];
    while (pending.length) {
      const event = pending.shift()!;
      const [next, acts] = transition(disputeMachine, state, event);
      if (next === state) continue;
      state = next;
      journal = [...journal, entry(event, next)];
      effects = effectsOf(acts);
      break;
    }
    if (!effects.length && !pending.length) return { state, journal, endings, alerts };
  }
}

const entry = (e: { type: string; step?: string }, s: DisputeSnapshot): JournalEntry => ({ type: e.type, step: e.step ?? null, state_after: s.value });

/** A new run of the world, at its first rest. */
export function modelStart(world: World): ModelRun {
  const [state, actions] = initialTransition(disputeMachine, modelInput(world.config));
  const run = settle({ state, journal: [entry({ type: 'xstate.init' }, state)], endings: [], alerts: 0 }, actions, world);
  if (!run) throw new Error(`the world ${JSON.stringify(world)} does not answer the start of a run`);
  return run;
}

/** The run after an external event: unchanged when the state does not take it. */
export function modelApply(run: ModelRun, e: DisputeEvent, world: World): ModelRun {
  const [next, actions] = transition(disputeMachine, run.state, e);
  if (next === run.state) return run;
  const settled = settle({ ...run, state: next, journal: [...run.journal, entry(e as { type: string; step?: string }, next)] }, actions, world);
  if (!settled) throw new Error(`the world ${JSON.stringify(world)} does not answer what ${e.type} asks for`);
  return settled;
}

// ── Comparing the model with the real run ──────────────────────────────────────────────────────────

/** What a run's state means, as comparable facts (also the graph's abstraction of a state). */
export function facts(value: StateValue, ctx: DisputeContext) {
  return {
    value,
    status: statusOf(value),
    prior_disputes_at_threshold: ctx.prior_disputes >= CONTRACT.hold_review_threshold,
    invoice_found: ctx.loaded ? ctx.loaded.invoice !== null : null,
    blocking: ctx.warnings.filter((w) => w.severity === 'block').map((w) => w.check),
    envelope: ctx.envelope_id !== null,
    decision: ctx.decision?.decision ?? null,
    steps: FAN_OUT_STEPS.map((k) => [k, ctx.steps[k].status, ctx.steps[k].attempts, ctx.steps[k].errors.length]),
    outcome: ctx.outcome,
    verify: ctx.verify?.result ?? null,
  };
}
export const abstract = (s: DisputeSnapshot) => JSON.stringify(facts(s.value, s.context));

// ── Paths ───────────────────────────────────────────────────────────────────────────────────────────

export interface ModelPath {
  index: number;
  config: string;
  world: World;
  events: DisputeEvent[];
  end: DisputeSnapshot;
  key: string;
}

/** A path's world: its deployment, the scenario its CONTEXT_LOADED chose, and its step outcomes in order. */
function worldOf(config: string, events: DisputeEvent[]): World {
  const loaded = (events.find((e) => e.type === 'CONTEXT_LOADED') as Ev<'CONTEXT_LOADED'> | undefined)?.loaded;
  const scenario = (Object.keys(SCENARIOS) as Scenario[]).find((s) => JSON.stringify(loadedFor(s)) === JSON.stringify(loaded)) ?? 'one_dispute';
  const plan = Object.fromEntries(FAN_OUT_STEPS.map((s) => [s, [] as ('ok' | 'fail')[]])) as Record<StepName, ('ok' | 'fail')[]>;
  for (const e of events) {
    if (e.type === 'STEP_SUCCEEDED') plan[e.step].push('ok');
    if (e.type === 'STEP_FAILED') plan[e.step].push('fail');
  }
  return { config, scenario, outcome: (step, attempt) => plan[step][attempt - 1] };
}

/**
 * Whether the runner can rest where the path ends: every effect asked for on the way was answered. (The
 * runner answers effects inside the transaction, so it never rests with one outstanding, e.g. with a
 * fan-out step running.)
 */
function endsAtRest(config: string, events: DisputeEvent[]): boolean {
  let [state, actions] = initialTransition(disputeMachine, modelInput(config));
  let asked = effectsOf(actions).filter((a) => answerers.has(a.type));
  for (const e of events) {
    const spec = specOf(e.type);
    if (!isExternal(spec)) {
      const i = asked.findIndex((a) => a.type === spec.answers && (spec.matches?.(a.params as never, e) ?? true));
      if (i < 0) return false; // an answer to nothing asked: not what the runner does
      asked.splice(i, 1);
    }
    [state, actions] = transition(disputeMachine, state, e);
    asked = [...asked, ...effectsOf(actions).filter((a) => answerers.has(a.type))];
  }
  return asked.length === 0;
}

/**
 * The shortest paths to every abstract state, for each deployment (a state that an earlier deployment
 * reaches already is not repeated). `produced` counts them all; `paths` are those that end at rest.
 */
export function shortestPaths(): { produced: number; paths: ModelPath[] } {
  const seen = new Set<string>();
  const paths: ModelPath[] = [];
  let produced = 0;
  for (const config of Object.keys(CONFIGS)) {
    const found = getShortestPaths(disputeMachine, {
      input: modelInput(config),
      events: (s) => modelEvents(s as DisputeSnapshot),
      serializeState: (s) => abstract(s as DisputeSnapshot),
    });
    for (const p of found) {
      const key = abstract(p.state as DisputeSnapshot);
      if (seen.has(key)) continue;
      seen.add(key);
      produced++;
      const events = p.steps.map((s) => s.event as DisputeEvent).filter((e) => (e.type as string) !== 'xstate.init');
      if (!endsAtRest(config, events)) continue;
      paths.push({ index: paths.length, config, world: worldOf(config, events), events, end: p.state as DisputeSnapshot, key });
    }
  }
  // Every payload the approver's APPROVE can carry is driven at least once: paths are keyed by abstract state,
  // so a corrected approval (the customer correction passes through recontext) would otherwise always lose to
  // the plain one that reaches the same state. For each other variant, the shortest path through it that ends
  // at rest after the approval.
  const variantOf = (e: DisputeEvent) => JSON.stringify(e.type === 'APPROVE' ? (e.corrections ?? null) : null);
  const taken = new Set(paths.flatMap((p) => p.events.filter((e) => e.type === 'APPROVE').map(variantOf)));
  const config = Object.keys(CONFIGS)[0]!;
  const start = initialTransition(disputeMachine, modelInput(config))[0];
  for (const variant of new Set(EVENTS.APPROVE.model(start).map(variantOf))) {
    if (taken.has(variant)) continue;
    const found = getShortestPaths(disputeMachine, {
      input: modelInput(config),
      events: (s) => modelEvents(s as DisputeSnapshot).filter((e) => e.type !== 'APPROVE' || variantOf(e) === variant),
      serializeState: (s) => abstract(s as DisputeSnapshot),
    })
      .map((p) => ({ p, events: p.steps.map((st) => st.event as DisputeEvent).filter((e) => (e.type as string) !== 'xstate.init') }))
      .filter(({ events }) => events.some((e) => e.type === 'APPROVE') && endsAtRest(config, events))
      .sort((a, b) => a.events.length - b.events.length);
    const best = found[0];
    if (!best) throw new Error(`no path drives APPROVE with corrections ${variant}`);
    const key = abstract(best.p.state as DisputeSnapshot);
    paths.push({ index: paths.length, config, world: worldOf(config, best.events), events: best.events, end: best.p.state as DisputeSnapshot, key });
    produced++;
  }
  return { produced, paths };
}

// ── States ──────────────────────────────────────────────────────────────────────────────────────────

/** Every state node of the machine, by id. */
export function allStateIds(node: AnyStateNode = disputeMachine.root): string[] {
  return [node.id, ...Object.values(node.states).flatMap((child) => allStateIds(child))];
}

function activeIds(value: StateValue, node: AnyStateNode, out: Set<string>): void {
  out.add(node.id);
  const children = typeof value === 'string' ? { [value]: {} } : value;
  for (const [k, v] of Object.entries(children)) activeIds(v as StateValue, node.states[k]!, out);
}

/**
 * The state nodes a run went through, from its journal: each event replayed microstep by microstep, so that
 * the states an eventless transition passes (precondition, post, check) count too.
 */
export function statesVisited(journal: { event: JournalEvent }[]): Set<string> {
  const out = new Set<string>();
  const [init, ...rest] = journal;
  const first = init!.event;
  if (first.type !== 'xstate.init') throw new Error(`a run's journal starts with xstate.init, not ${first.type}`);
  const input = first.input;
  for (const [s] of getInitialMicrosteps(disputeMachine, input)) activeIds(s.value, disputeMachine.root, out);
  let state = initialTransition(disputeMachine, input)[0];
  for (const { event } of rest) {
    if (event.type === 'xstate.init') throw new Error('xstate.init is only the first journal entry');
    for (const [s] of getMicrosteps(disputeMachine, state, event)) activeIds(s.value, disputeMachine.root, out);
    state = transition(disputeMachine, state, event)[0];
  }
  return out;
}
