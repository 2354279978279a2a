// The real system the model-based tests drive: a test database, the real HTTP app (one per deployment in
// CONFIGS, sharing the database and one clock), the timer and verify schedulers, and a fan-out step that
// fails for real (a constraint violation) whenever the run's world says so. Also the invariants checked
// after every step of every path and walk.
import { expect } from 'vitest';
import type { StateValue } from 'xstate';
import { CONTRACT } from '../../machines/contract.ts';
import type { DisputeSnapshot } from '../../machines/dispute.ts';
import { statusOf } from '../../machines/status.ts';
import type { DisputeContext, DisputeEvent } from '../../machines/types.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { fireDueTimers } from '../../runtime/timers.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { runStep } from '../../steps/fanout.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CONFIGS, facts, isExternal, pendingIn, SCENARIOS, specOf, type JournalEvent, type ModelRun, type RealSystem, type World } from './model.ts';

/** A run as the database holds it, with everything the invariants look at. */
export interface Observed {
  status: string;
  state_value: StateValue;
  snapshot_value: StateValue;
  context: DisputeContext;
  event_count: number;
  journal: { seq: number; type: string; step: string | null; state_after: StateValue }[];
  proposals: { id: number; step: string; action_type: string; status: string }[];
  decisions: { action_id: number; decision: string }[];
  timers: string[];
  checks: { name: string; status: string }[];
  ledger: string[];
  logs: number;
  logs_of_its_customer: number;
  alerts: number;
}

export interface LiveRun {
  id: number;
  envelopeId: number | null;
  world: World;
}

export interface System extends RealSystem {
  start(world: World, emailUuid: string): Promise<LiveRun>;
  drive(run: LiveRun, e: DisputeEvent, before: DisputeSnapshot, takes: boolean): Promise<void>;
  observe(runId: number): Promise<Observed>;
  journal(runId: number): Promise<{ event: JournalEvent }[]>;
  close(): Promise<void>;
}

export async function startSystem(): Promise<System> {
  const db: TestDatabase = await createTestDatabase();
  const clock = new ManualClock('2026-11-20T16:00:00Z');
  const worlds = new Map<number, World>();
  const problems: string[] = [];
  const effects = {
    runStep: (async (c, p) => {
      const outcome = worlds.get(c.run.id)?.outcome(p.step, p.attempt);
      if (outcome === undefined) problems.push(`run ${c.run.id}: the world has no outcome for ${p.step} attempt ${p.attempt}`);
      if (outcome === 'fail') {
        await c.tx`INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
          VALUES (${c.run.id}, ${p.step}, 'x', 'x', 'x', '{}', 'not-a-status', ${c.now})`;
      }
      return runStep(c, p);
    }) satisfies typeof runStep,
  };
  const servers = new Map<string, TestServer>();
  for (const [config, severity] of Object.entries(CONFIGS)) {
    servers.set(config, await startTestServer(db.sql, { clock, effects, preconditionSeverity: Object.keys(severity).length ? severity : undefined }));
  }
  const any = servers.get('contract')!;
  const engine = () => ({ sql: db.sql, clock, effects: any.effects });

  const sys: System = {
    sql: db.sql,
    clock,
    api: (method, path, body) => any.api(method, path, body),
    fireTimer: (runId, name) => fireDueTimers(engine(), { only: { run_id: runId, name } }),
    runChecks: (runId) => runDueChecks(engine(), { only: { run_id: runId } }),

    async start(world, emailUuid) {
      const res = await servers.get(world.config)!.triage(triageFor((e) => e.expected.customer_id === SCENARIOS[world.scenario].customer_id, emailUuid));
      expect(res.status, 'triage starts a run').toBe(202);
      const { run_id } = (await res.json()) as { run_id: number };
      worlds.set(run_id, world);
      const [envelope]: [{ id: number }?] = await db.sql`SELECT id FROM proposed_actions WHERE run_id = ${run_id} AND step = 'approval'`;
      return { id: run_id, envelopeId: envelope?.id ?? null, world };
    },

    async drive(run, e, before, takes) {
      const spec = specOf(e.type);
      if (!isExternal(spec)) throw new Error(`${e.type} is answered by the runner itself; the test cannot bring it`);
      await spec.drive({ sys, runId: run.id, envelopeId: run.envelopeId, before, takes }, e);
      expect(problems, 'the fan-out steps ran as the world says').toEqual([]);
    },

    async observe(runId) {
      const [row]: [Observed?] = await db.sql`
        SELECT r.status, r.state_value, r.snapshot->'value' AS snapshot_value, jsonb_set(r.snapshot->'context', '{loaded}', coalesce(r.loaded, 'null')) AS context, r.event_count,
          (SELECT coalesce(json_agg(json_build_object('seq', seq, 'type', event->>'type', 'step', event->>'step', 'state_after', state_after) ORDER BY seq), '[]')
             FROM run_journal WHERE run_id = r.id) AS journal,
          (SELECT coalesce(json_agg(json_build_object('id', id, 'step', step, 'action_type', action_type, 'status', status) ORDER BY id), '[]')
             FROM proposed_actions WHERE run_id = r.id) AS proposals,
          (SELECT coalesce(json_agg(json_build_object('action_id', proposed_action_id, 'decision', decision) ORDER BY id), '[]')
             FROM approval_decisions WHERE run_id = r.id) AS decisions,
          (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM timers WHERE run_id = r.id) AS timers,
          (SELECT coalesce(json_agg(json_build_object('name', check_name, 'status', status) ORDER BY id), '[]')
             FROM workflow_verify_results WHERE run_id = r.id) AS checks,
          (SELECT coalesce(json_agg(event_type ORDER BY id), '[]') FROM event_ledger WHERE run_id = r.id) AS ledger,
          (SELECT count(*)::int FROM workflow_run_log WHERE run_id = r.id) AS logs,
          (SELECT count(*)::int FROM workflow_run_log WHERE run_id = r.id AND customer_id IS NOT DISTINCT FROM r.customer_id) AS logs_of_its_customer,
          (SELECT count(*)::int FROM alerts WHERE run_id = r.id) AS alerts
        FROM runs r WHERE r.id = ${runId}`;
      return row!;
    },

    async journal(runId) {
      return db.sql<{ event: JournalEvent }[]>`SELECT event FROM run_journal WHERE run_id = ${runId} ORDER BY seq`;
    },

    async close() {
      for (const s of servers.values()) await s.close();
      await db.drop();
    },
  };
  return sys;
}

/** The invariants of a run at rest, and that it is where the model says. */
export function checkRun(o: Observed, m: ModelRun): void {
  // The runner did what the model predicts: the same facts, and the same journal, row by row.
  expect(facts(o.state_value, o.context), 'the run is in the state the model predicts').toEqual(facts(m.state.value, m.state.context));
  expect(o.journal.map(({ type, step, state_after }) => ({ type, step, state_after })), 'the journal is the model\'s').toEqual(m.journal);
  // Status matches the state; the journal's seq is contiguous.
  expect(o.status, 'status is derived from the state').toBe(statusOf(o.state_value));
  expect(o.snapshot_value, 'state_value is the snapshot\'s').toEqual(o.state_value);
  expect(o.journal.map((j) => j.seq), 'journal seq is contiguous').toEqual([...Array(o.event_count).keys()]);
  // The HITL gate: before approval the only proposed action of a run is its envelope.
  const envelopes = o.proposals.filter((p) => p.action_type === CONTRACT.hitl.action_type);
  expect(envelopes.map((p) => p.id), 'one envelope, the one the run knows').toEqual(o.context.envelope_id === null ? [] : [o.context.envelope_id]);
  if (o.context.decision?.decision !== 'approved') expect(o.proposals, 'before approval, only the envelope').toEqual(envelopes);
  // A decision row exists iff the envelope is decided, and says what the run says.
  const envelope = envelopes[0];
  expect(o.decisions, 'a decision row iff the envelope is decided').toEqual(envelope && envelope.status !== 'pending' ? [{ action_id: envelope.id, decision: envelope.status }] : []);
  if (envelope) expect(envelope.status, 'the envelope shows the run\'s decision').toBe(o.context.decision?.decision ?? 'pending');
  // At most one ledger event per run for its ending (and it is the model's); one alert event per step that failed finally.
  // workflow.verified announces a check's result (one per check), not an ending.
  const endings = o.ledger.filter((t) => t !== 'workflow.alert' && t !== 'workflow.verified');
  const verified = o.checks.filter((c) => c.status !== 'pending').length;
  expect(o.ledger.filter((t) => t === 'workflow.verified').length, 'one workflow.verified per check that ran').toBe(verified);
  expect(endings.length, 'at most one ending event per run').toBeLessThanOrEqual(1);
  expect(m.endings.length, 'the model posts a run once').toBeLessThanOrEqual(1);
  expect(endings, 'the ending event is the model\'s').toEqual(m.endings.map((e) => `workflow.${e}`));
  expect(o.logs, 'one run log per ending').toBe(m.endings.length);
  // The history finds a run by its log's customer (migration 0011): it is the run's.
  expect(o.logs_of_its_customer, 'the run log keeps the run\'s customer').toBe(o.logs);
  expect([o.ledger.filter((t) => t === 'workflow.alert').length, o.alerts], 'one alert (and alert event) per step that failed finally').toEqual([m.alerts, m.alerts]);
  // Timers and verify checks only for states that need them.
  expect(o.timers, 'timers are those the state needs').toEqual(pendingIn(m.state, 'timers'));
  expect(o.checks.filter((c) => c.status === 'pending').map((c) => c.name), 'pending checks are those the state needs').toEqual(pendingIn(m.state, 'checks'));
}
