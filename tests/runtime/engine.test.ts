// The runner against a real database: durable time (approval window, retry backoff), real step failures,
// alerts, verification and versioned runs — all with the injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient } from '../../persistence/connect.ts';
import { isShared } from '../../runtime/batch.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, describeError, startRun, type EngineDeps } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { fireDueTimers } from '../../runtime/timers.ts';
import { runDueChecks, nextFireTimes } from '../../runtime/verify.ts';
import { SNAPSHOT_MIGRATIONS } from '../../runtime/restore.ts';
import { runStep } from '../../steps/fanout.ts';
import { appendRunNote } from '../../persistence/runs.ts';
import { payloadEtag } from '../../persistence/proposals.ts';
import type { EffectRegistry } from '../../runtime/effects.ts';
import { CONTRACT, retryDelayMs, type StepName } from '../../machines/contract.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { writesDuring } from '../helpers/writes.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

function deps(over: Partial<EffectRegistry> = {}, clock = new ManualClock('2026-11-20T10:00:00Z')): EngineDeps & { clock: ManualClock } {
  return { sql: db.sql, clock, effects: effectRegistry(over) };
}

let seq = 0;
async function startFor(d: EngineDeps, customer = 1002) {
  const body = triageFor((e) => e.expected.customer_id === customer, `engine-${++seq}`);
  const { run } = await startRun(d, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
  const [envelope] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
  return { run, envelopeId: envelope!.id };
}

const approve = (d: EngineDeps, runId: number, actionId: number) =>
  applyEvent(d, runId, { type: 'APPROVE', action_id: actionId, by: 'mike', note: null, at: d.clock.now().toISOString() });

/** A step that fails for real: its INSERT violates the proposed_actions status check constraint. */
function failing(steps: StepName[], times = Infinity): Partial<EffectRegistry> {
  const count = new Map<string, number>();
  return {
    runStep: async (c, p) => {
      // An attempt is the step at its savepoint. Run without one (a shared transaction, runtime/batch.ts) it fails
      // as its next attempt will, and the event then runs again with savepoints.
      const n = (count.get(p.step) ?? 0) + 1;
      if (!isShared(c.tx)) count.set(p.step, n);
      if (steps.includes(p.step) && n <= times) {
        await c.tx`INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
          VALUES (${c.run.id}, ${p.step}, 'x', 'x', 'x', '{}', 'not-a-status', ${c.now})`;
      }
      return runStep(c, p);
    },
  };
}

/** The contract's numbers, read rather than repeated: a changed contract changes what these tests expect. */
const WINDOW_MS = CONTRACT.hitl.approval_window_minutes * 60_000;
const policy = CONTRACT.retry_policy;
const FIRST_RETRY_MS = retryDelayMs(policy, 1);

describe('approval window', () => {
  it('expires the run exactly at the window edge; a later approve is refused', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    d.clock.advance(WINDOW_MS - 1);
    expect(await fireDueTimers(d)).toBe(0);
    d.clock.advance(1);
    expect(await fireDueTimers(d)).toBe(1);
    const [r] = await db.sql`SELECT status FROM runs WHERE id = ${run.id}`;
    expect(r!.status).toBe('expired');
    const [env] = await db.sql`SELECT status FROM proposed_actions WHERE id = ${envelopeId}`;
    expect(env!.status).toBe('expired');
    expect((await approve(d, run.id, envelopeId)).applied).toBe(false);
    expect(await db.sql`SELECT count(*)::int AS n FROM timers WHERE run_id = ${run.id}`).toEqual([{ n: 0 }]);
    const [log] = await db.sql`SELECT status FROM workflow_run_log WHERE run_id = ${run.id}`;
    expect(log).toEqual({ status: 'expired' });
    const [refl] = await db.sql`SELECT narrative FROM reflexion_log WHERE run_id = ${run.id}`;
    expect(refl!.narrative).toMatch(/approval window closed without a decision/);
  });

  it('cancels the window timer when the approver decides in time', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    d.clock.advance(WINDOW_MS - 60_000);
    expect((await approve(d, run.id, envelopeId)).applied).toBe(true);
    d.clock.advance(10 * 60_000);
    expect(await fireDueTimers(d)).toBe(0);
  });

  it("records the envelope's hash with its decision: the one the deciding event carried, or read back when it carried none", async () => {
    const d = deps();
    const a = await startFor(d);
    const b = await startFor(d);
    const etag = async (id: number) => payloadEtag((await db.sql<{ payload: unknown }[]>`SELECT payload FROM proposed_actions WHERE id = ${id}`)[0]!.payload);
    // no hash: the decision reads the payload back and hashes it (rejections: nothing is left to verify)
    await applyEvent(d, a.run.id, { type: 'REJECT', action_id: a.envelopeId, by: 'mike', reason: 'not ours', at: d.clock.now().toISOString() });
    // with one, that is what is recorded, unread (the API sends the ETag it checked If-Match against)
    const shown = 'ab'.repeat(32);
    await applyEvent(d, b.run.id, { type: 'REJECT', action_id: b.envelopeId, by: 'mike', reason: 'not ours', at: d.clock.now().toISOString(), shown_sha256: shown });
    const rows = await db.sql`SELECT proposed_action_id, decision, shown_sha256 FROM approval_decisions WHERE proposed_action_id IN (${a.envelopeId}, ${b.envelopeId}) ORDER BY id`;
    expect(rows).toEqual([
      { proposed_action_id: a.envelopeId, decision: 'rejected', shown_sha256: await etag(a.envelopeId) },
      { proposed_action_id: b.envelopeId, decision: 'rejected', shown_sha256: shown },
    ]);
  });
});

describe('retry policy', () => {
  it('retries a failing step after the policy\'s first delay, then fails it with an alert; the run ends partial', async () => {
    const d = deps(failing(['escalate']));
    const { run, envelopeId } = await startFor(d);
    await approve(d, run.id, envelopeId);
    const [t] = await db.sql`SELECT name, due_at FROM timers WHERE run_id = ${run.id}`;
    expect(t!.name).toBe('retry:escalate');
    expect(new Date(t!.due_at).getTime() - d.clock.now().getTime()).toBe(FIRST_RETRY_MS);
    d.clock.advance(FIRST_RETRY_MS - 1);
    expect(await fireDueTimers(d)).toBe(0);
    d.clock.advance(1);
    expect(await fireDueTimers(d)).toBe(1);
    const [r] = await db.sql`SELECT status, snapshot->'context'->'steps'->'escalate' AS esc FROM runs WHERE id = ${run.id}`;
    expect(r!.status).toBe('verifying');
    expect(r!.esc).toMatchObject({ status: 'failed', attempts: policy.max_attempts });
    expect(r!.esc.errors[1]).toMatch(/postgres 23514.*proposed_actions_status_check/);
    const alerts = await db.sql`SELECT step, kind, message FROM alerts WHERE run_id = ${run.id}`;
    expect(alerts).toEqual([expect.objectContaining({ step: 'escalate', kind: 'step_failed' })]);
    expect(alerts[0]!.message).toMatch(new RegExp(`failed after ${policy.max_attempts} attempt`));
    const ledger = await db.sql`SELECT event_type FROM event_ledger WHERE run_id = ${run.id} ORDER BY id`;
    expect(ledger.map((l) => l.event_type)).toEqual(['workflow.alert', 'workflow.partial']);
  });

  it('the second delay is base x 2 when a step may be attempted more often, and a step that recovers succeeds', async () => {
    const d = deps(failing(['draftResponse'], 1));
    const { run, envelopeId } = await startFor(d);
    await approve(d, run.id, envelopeId);
    d.clock.advance(FIRST_RETRY_MS);
    expect(await fireDueTimers(d)).toBe(1);
    const [r] = await db.sql`SELECT status, snapshot->'context'->'steps'->'draftResponse' AS s FROM runs WHERE id = ${run.id}`;
    expect(r).toMatchObject({ status: 'verifying', s: { status: 'succeeded', attempts: 2 } });
  });

  it('ends failed, with a workflow.failed event and no verification, when every step fails', async () => {
    const d = deps(failing(['draftResponse', 'escalate']));
    const { run, envelopeId } = await startFor(d);
    await approve(d, run.id, envelopeId);
    d.clock.advance(FIRST_RETRY_MS);
    expect(await fireDueTimers(d)).toBe(2);
    const [r] = await db.sql`SELECT status FROM runs WHERE id = ${run.id}`;
    expect(r!.status).toBe('failed');
    const ledger = await db.sql`SELECT event_type FROM event_ledger WHERE run_id = ${run.id} AND event_type LIKE 'workflow.%' AND event_type <> 'workflow.alert'`;
    expect(ledger).toEqual([{ event_type: 'workflow.failed' }]);
    expect(await db.sql`SELECT count(*)::int AS n FROM workflow_verify_results WHERE run_id = ${run.id}`).toEqual([{ n: 0 }]);
  });
});

describe('pipelined effects (a step\'s effects go out together; write-only ones are awaited with the save)', () => {
  it('a step that fails after writing rolls back only its own writes; the decision and the other steps, sent around it, stay', async () => {
    const d = deps({
      runStep: async (c, p) => {
        if (p.step !== 'escalate') return runStep(c, p);
        await c.tx`INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
          VALUES (${c.run.id}, 'escalate', 'written_then_failed', 'x', 'x', '{}', 'pending', ${c.now})`;
        await c.tx`INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
          VALUES (${c.run.id}, 'escalate', 'x', 'x', 'x', '{}', 'not-a-status', ${c.now})`;
        return runStep(c, p);
      },
    });
    const { run, envelopeId } = await startFor(d);
    await approve(d, run.id, envelopeId);
    const actions = await db.sql`SELECT step, action_type, status FROM proposed_actions WHERE run_id = ${run.id} ORDER BY id`;
    expect(actions.map((a) => `${a.step}:${a.status}`)).toEqual(['approval:approved', 'draft_response:pending']);
    expect(await db.sql`SELECT decision FROM approval_decisions WHERE run_id = ${run.id}`).toEqual([{ decision: 'approved' }]);
    expect(await db.sql`SELECT name FROM timers WHERE run_id = ${run.id}`).toEqual([{ name: 'retry:escalate' }]);
    const [r] = await db.sql`SELECT status, snapshot->'context'->'steps' AS steps FROM runs WHERE id = ${run.id}`;
    expect(r!.steps.draftResponse).toMatchObject({ status: 'succeeded' });
    expect(r!.steps.escalate).toMatchObject({ status: 'waiting_retry', attempts: 1 });
    expect(r!.steps.escalate.errors[0]).toMatch(/postgres 23514.*proposed_actions_status_check/);
  });

  it('a write-only effect that fails while the step\'s other statements are in flight fails the event with its own error, writing nothing', async () => {
    const d = deps({
      setTimer: async (c) => {
        await c.tx`INSERT INTO timers (run_id, name, event, due_at, created_at) VALUES (${c.run.id}, NULL, '{}', ${c.now}, ${c.now})`;
      },
    });
    const body = triageFor((e) => e.expected.customer_id === 1002, `engine-${++seq}`);
    await expect(startRun(d, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' })).rejects.toMatchObject({ code: '23502' });
    expect(await db.sql`SELECT id FROM runs WHERE email_uuid = ${body.email_uuid}`).toEqual([]);
  });

  it('a write-only effect that throws fails the event even when the effects after it succeed', async () => {
    const d = deps({ cancelTimer: async () => { throw new Error('the timers table is gone'); } });
    const { run, envelopeId } = await startFor(d);
    await expect(approve(d, run.id, envelopeId)).rejects.toThrow('the timers table is gone');
    expect(await db.sql`SELECT status, event_count FROM runs WHERE id = ${run.id}`).toEqual([{ status: 'awaiting_approval', event_count: run.event_count }]);
    expect(await db.sql`SELECT count(*)::int AS n FROM approval_decisions WHERE run_id = ${run.id}`).toEqual([{ n: 0 }]);
    expect(await db.sql`SELECT count(*)::int AS n FROM proposed_actions WHERE run_id = ${run.id} AND step <> 'approval'`).toEqual([{ n: 0 }]);
  });

  it('refuses a write-only effect that answers an event (it would be lost)', async () => {
    const d = deps({ setTimer: async () => ({ type: 'APPROVAL_EXPIRED', at: 'x' }) as never });
    const body = triageFor((e) => e.expected.customer_id === 1002, `engine-${++seq}`);
    await expect(startRun(d, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' })).rejects.toThrow(/setTimer is write-only/);
  });
});

describe('verification', () => {
  it('passes once the window has passed and the draft exists, completing the run', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    await approve(d, run.id, envelopeId);
    expect(await runDueChecks(d)).toEqual([]); // window (30 s) not yet passed
    d.clock.advance(30_000);
    expect(await runDueChecks(d)).toEqual([expect.objectContaining({ run_id: run.id, check_name: 'response_drafted', result: 'pass' })]);
    const [r] = await db.sql`SELECT status FROM runs WHERE id = ${run.id}`;
    expect(r!.status).toBe('completed');
    expect(await runDueChecks(d)).toEqual([]);
  });

  it('records nothing of a check whose run fails to take the result: the result, its announcement and the run roll back together', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    await approve(d, run.id, envelopeId);
    d.clock.advance(30_000);
    // The result, the ledger event and its webhook (queued with the ledger row) go out with the run's event,
    // and the COMMIT with the run's save, which fails.
    await db.sql.unsafe(`CREATE FUNCTION refuse_save() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the run cannot take it'; END $$`);
    await db.sql.unsafe(`CREATE TRIGGER refuse_save BEFORE UPDATE ON runs FOR EACH ROW WHEN (OLD.id = ${run.id}) EXECUTE FUNCTION refuse_save()`);
    const failing = { ...d, notifyUrl: 'http://127.0.0.1:9/hook' };
    await expect(runDueChecks(failing, { only: { run_id: run.id } })).rejects.toThrow('the run cannot take it');
    await db.sql`DROP TRIGGER refuse_save ON runs`;
    await db.sql`DROP FUNCTION refuse_save()`;
    expect(await db.sql`SELECT status FROM workflow_verify_results WHERE run_id = ${run.id}`).toEqual([{ status: 'pending' }]);
    expect(await db.sql`SELECT event_type FROM event_ledger WHERE run_id = ${run.id} AND event_type = 'workflow.verified'`).toEqual([]);
    expect(await db.sql`SELECT kind FROM outbox WHERE run_id = ${run.id}`).toEqual([]);
    expect(await db.sql`SELECT status FROM runs WHERE id = ${run.id}`).toEqual([{ status: 'verifying' }]);
    // And the check is still there to run.
    expect(await runDueChecks(d, { only: { run_id: run.id } })).toEqual([expect.objectContaining({ run_id: run.id, result: 'pass' })]);
  });

  it('fails when the draft is gone, and records timeout when the check itself errors', async () => {
    const d = deps();
    const a = await startFor(d);
    await approve(d, a.run.id, a.envelopeId);
    await db.sql`DELETE FROM proposed_actions WHERE run_id = ${a.run.id} AND action_type = 'customer_email'`;
    const b = await startFor(d);
    await approve(d, b.run.id, b.envelopeId);
    await db.sql`UPDATE workflow_verify_results SET sql_check = 'SELECT pg_sleep(2) FROM proposed_actions WHERE run_id = $1 AND proposed_at >= $2::timestamptz' WHERE run_id = ${b.run.id}`;
    d.clock.advance(31_000);
    const results = await runDueChecks(d, { timeoutMs: 100 });
    expect(results.find((x) => x.run_id === a.run.id)?.result).toBe('fail');
    expect(results.find((x) => x.run_id === b.run.id)).toMatchObject({ result: 'timeout', detail: expect.stringMatching(/57014|statement timeout/) });
    const rows = await db.sql`SELECT r.status, v.status AS check FROM runs r JOIN workflow_verify_results v ON v.run_id = r.id WHERE r.id IN (${a.run.id}, ${b.run.id}) ORDER BY r.id`;
    expect(rows).toEqual([{ status: 'partial', check: 'fail' }, { status: 'partial', check: 'timeout' }]);
  });

  it('computes the next fire times of the contract schedule', () => {
    expect(nextFireTimes('8,38 * * * *', new Date('2026-11-20T12:09:00Z'), 3).map((d) => d.toISOString())).toEqual([
      '2026-11-20T12:38:00.000Z', '2026-11-20T13:08:00.000Z', '2026-11-20T13:38:00.000Z',
    ]);
    expect(() => nextFireTimes('61 * * * *', new Date())).toThrow(/VERIFY_SCHEDULE "61 \* \* \* \*" is not a valid cron expression/);
  });
});

describe('versioned runs', () => {
  it('marks a run whose stored state the machine no longer has as failed, visibly, without throwing', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    await db.sql`UPDATE runs SET snapshot = jsonb_set(snapshot, '{value}', '"awaitingSignOff"') WHERE id = ${run.id}`;
    const res = await approve(d, run.id, envelopeId);
    expect(res.applied).toBe(false);
    expect(res.run.status).toBe('failed');
    const [alert] = await db.sql`SELECT kind, message FROM alerts WHERE run_id = ${run.id}`;
    expect(alert).toMatchObject({ kind: 'restore_failed', message: expect.stringMatching(/cannot be restored/) });
  });

  it('a due timer of an unrestorable run fails the run and is consumed; the scheduler carries on', async () => {
    const d = deps();
    const broken = await startFor(d);
    const healthy = await startFor(d);
    await db.sql`UPDATE runs SET snapshot = jsonb_set(snapshot, '{value}', '"gone"') WHERE id = ${broken.run.id}`;
    d.clock.advance(WINDOW_MS);
    expect(await fireDueTimers(d)).toBeGreaterThanOrEqual(2); // earlier tests' runs share the database
    const rows = await db.sql`SELECT id, status FROM runs WHERE id IN (${broken.run.id}, ${healthy.run.id}) ORDER BY id`;
    expect(rows).toEqual([{ id: broken.run.id, status: 'failed' }, { id: healthy.run.id, status: 'expired' }]);
    expect(await db.sql`SELECT count(*)::int AS n FROM timers WHERE run_id IN (${broken.run.id}, ${healthy.run.id})`).toEqual([{ n: 0 }]);
  });

  it('a due verify check of an unrestorable run records its result and fails the run visibly; the scheduler carries on', async () => {
    const d = deps();
    const broken = await startFor(d);
    const healthy = await startFor(d);
    await approve(d, broken.run.id, broken.envelopeId);
    await approve(d, healthy.run.id, healthy.envelopeId);
    await db.sql`UPDATE runs SET snapshot = jsonb_set(snapshot, '{value}', '"gone"') WHERE id = ${broken.run.id}`;
    d.clock.advance(30_000);
    const results = await runDueChecks(d);
    expect(results.filter((r) => r.run_id === broken.run.id || r.run_id === healthy.run.id)).toEqual([
      expect.objectContaining({ run_id: broken.run.id, result: 'pass' }),
      expect.objectContaining({ run_id: healthy.run.id, result: 'pass' }),
    ]);
    const rows = await db.sql`SELECT id, status FROM runs WHERE id IN (${broken.run.id}, ${healthy.run.id}) ORDER BY id`;
    expect(rows).toEqual([{ id: broken.run.id, status: 'failed' }, { id: healthy.run.id, status: 'completed' }]);
    const [alert] = await db.sql`SELECT kind, message FROM alerts WHERE run_id = ${broken.run.id}`;
    expect(alert).toMatchObject({ kind: 'restore_failed', message: expect.stringMatching(/cannot be restored/) });
    const [last] = await db.sql`SELECT event FROM run_journal WHERE run_id = ${broken.run.id} ORDER BY seq DESC LIMIT 1`;
    expect(last!.event).toMatchObject({ type: 'runtime.restore_failed' });
    expect(await db.sql`SELECT status FROM workflow_verify_results WHERE run_id = ${broken.run.id}`).toEqual([{ status: 'pass' }]);
    expect(await runDueChecks(d)).toEqual([]); // the check is done: not run again
  });

  it('migrates a run stored by an older machine version through the registered function', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    // Version 0 called the gate "waitingForMike"; the migration renames it.
    await db.sql`UPDATE runs SET machine_version = 0, snapshot = jsonb_set(snapshot, '{value}', '"waitingForMike"') WHERE id = ${run.id}`;
    const noMigration = await approve(d, run.id, envelopeId);
    expect(noMigration.run.status).toBe('failed');
    const second = await startFor(d);
    await db.sql`UPDATE runs SET machine_version = 0, snapshot = jsonb_set(snapshot, '{value}', '"waitingForMike"') WHERE id = ${second.run.id}`;
    SNAPSHOT_MIGRATIONS[0] = (s) => ({ ...s, value: s.value === 'waitingForMike' ? 'awaitingApproval' : s.value });
    try {
      const res = await approve(d, second.run.id, second.envelopeId);
      expect(res.applied).toBe(true);
      expect(res.run).toMatchObject({ status: 'verifying', machine_version: 1 });
    } finally {
      delete SNAPSHOT_MIGRATIONS[0];
    }
  });
});

describe('runs and their journal', () => {
  it('stores the customer the context found, and journals each step with the state it left', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d, 1002);
    const [row] = await db.sql`SELECT customer_id, status, event_count FROM runs WHERE id = ${run.id}`;
    expect(row).toMatchObject({ customer_id: 1002, status: 'awaiting_approval' });
    const journal = await db.sql`SELECT seq, event->>'type' AS type, state_before, state_after FROM run_journal WHERE run_id = ${run.id} ORDER BY seq`;
    expect(journal.map((j) => [j.type, j.state_before, j.state_after])).toEqual([
      ['xstate.init', null, 'trigger'],
      ['EXTRACTED', 'trigger', 'context'],
      ['CONTEXT_LOADED', 'context', 'awaitingApproval'],
      ['APPROVAL_STAGED', 'awaitingApproval', 'awaitingApproval'],
    ]);
    expect(row!.event_count).toBe(journal.length);
    await approve(d, run.id, envelopeId);
    const after = await db.sql`SELECT event->>'type' AS type, state_before FROM run_journal WHERE run_id = ${run.id} AND seq > ${journal.at(-1)!.seq} ORDER BY seq`;
    expect(after[0]).toEqual({ type: 'APPROVE', state_before: 'awaitingApproval' });
    expect(after[1]).toEqual({ type: 'STEP_SUCCEEDED', state_before: { fanOut: { draftResponse: 'running', escalate: 'running', arHoldDecision: 'skipped' } } });
  });

  it('journals the effects each step asked for', async () => {
    const { run } = await startFor(deps());
    const journal = await db.sql`SELECT effects FROM run_journal WHERE run_id = ${run.id} ORDER BY seq`;
    expect(journal[0]!.effects).toEqual([{ type: 'extractDispute', params: { input: expect.objectContaining({ run_id: run.id, invoked_by: 'test' }) } }]);
    expect(journal[2]!.effects.map((e: { type: string }) => e.type)).toEqual(['stageApproval', 'setTimer']);
  });

  it('sends a start\'s INSERT, its extraction\'s first lookup and its envelope\'s id in one write, the envelope with the save: three round trips alone', async () => {
    const one = sqlClient(db.url, 1); // one connection: every statement is prepared after the first start
    try {
      const d: EngineDeps = { sql: one, clock: new ManualClock('2026-11-20T10:00:00Z'), effects: effectRegistry() };
      const start = () => startRun(d, { ...triageFor((e) => e.expected.customer_id === 1002, `engine-rt-${++seq}`), customer_id: null, invoice_ref: null, invoked_by: 'test' });
      const approve = (runId: number, envelopeId: number) => applyEvent(d, runId, { type: 'APPROVE', action_id: envelopeId, by: 'ap', note: null, at: d.clock.now().toISOString() });
      // Once unmeasured: the connection prepares each statement the first time (a round trip of its own).
      const warm = (await start()).run;
      await approve(warm.id, Number((warm.snapshot.context as { envelope_id: number }).envelope_id));
      let run!: Awaited<ReturnType<typeof start>>['run'];
      const writes = await writesDuring(async () => ({ run } = await start()));
      // BEGIN, the INSERT, the lookup and the envelope's id; the context; the envelope, its timer and the save with
      // the COMMIT.
      expect(writes).toBe(3);
      const [r] = await db.sql`SELECT status, customer_id, snapshot->'context'->'extraction'->>'invoice_ref' AS invoice_ref, (snapshot->'context'->>'envelope_id')::bigint AS envelope_id FROM runs WHERE id = ${run.id}`;
      expect(r).toEqual({ status: 'awaiting_approval', customer_id: 1002, invoice_ref: expect.any(String), envelope_id: expect.any(Number) });
      // The envelope the snapshot names is there, staged with its ETag.
      const [env] = await db.sql`SELECT run_id, step, status, payload_sha256 FROM proposed_actions WHERE id = ${r!.envelope_id}`;
      expect(env).toEqual({ run_id: run.id, step: 'approval', status: 'pending', payload_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      // An approval sent to the engine without an ETag: the lock; the timer's removal, the decision and the two
      // fan-out steps side by side (runtime/batch.ts, optimistically); the post step's writes and the save with
      // the COMMIT.
      const approving = await writesDuring(() => approve(run.id, r!.envelope_id));
      expect(approving).toBe(3);
      const [dec] = await db.sql`SELECT shown_sha256 FROM approval_decisions WHERE proposed_action_id = ${r!.envelope_id}`;
      expect(dec!.shown_sha256).toBe(env!.payload_sha256);
    } finally {
      await one.end();
    }
  });

  it('fails the start, writing nothing, when the envelope sent with the save fails', async () => {
    await db.sql.unsafe(`
      CREATE FUNCTION refuse_envelope() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'envelope refused for %', NEW.payload->>'email_uuid' USING ERRCODE = '23514'; END $$;
      CREATE TRIGGER refuse_envelope BEFORE INSERT ON proposed_actions FOR EACH ROW
        WHEN (NEW.payload->>'email_uuid' LIKE 'engine-envfail-%') EXECUTE FUNCTION refuse_envelope();`);
    try {
      const uuid = `engine-envfail-${++seq}`;
      await expect(startRun(deps(), { ...triageFor((e) => e.expected.customer_id === 1002, uuid), customer_id: null, invoice_ref: null, invoked_by: 'test' })).rejects.toThrow(/envelope refused/);
      expect(await db.sql`SELECT count(*)::int AS n FROM runs WHERE email_uuid = ${uuid}`).toEqual([{ n: 0 }]);
      expect(await db.sql`SELECT count(*)::int AS n FROM proposed_actions WHERE payload->>'email_uuid' = ${uuid}`).toEqual([{ n: 0 }]);
    } finally {
      await db.sql.unsafe('DROP TRIGGER refuse_envelope ON proposed_actions; DROP FUNCTION refuse_envelope()');
    }
    // The engine goes on: the next start stages its envelope.
    const { run } = await startFor(deps());
    expect(run.status).toBe('awaiting_approval');
  });

  it('returns the existing run for a redelivered email, creating nothing', async () => {
    const d = deps();
    const body = { ...triageFor((e) => e.expected.customer_id === 1002, `engine-redelivery-${++seq}`), customer_id: null, invoice_ref: null, invoked_by: 'test' };
    const first = await startRun(d, body);
    const again = await startRun(d, body);
    expect(first.created).toBe(true);
    expect(again).toEqual({ created: false, run: expect.objectContaining({ id: first.run.id, status: 'awaiting_approval', event_count: first.run.event_count }) });
    expect(await db.sql`SELECT count(*)::int AS n FROM runs WHERE email_uuid = ${body.email_uuid}`).toEqual([{ n: 1 }]);
  });

  it('stores no customer when none was found', async () => {
    const d = deps();
    const email = { from: 'someone@unknown-sender.example', to: 'ar@northwind-supply.example', subject: 'A question', body: 'We think something is wrong with a bill.', received_at: '2026-11-20T09:00:00Z' };
    const { run } = await startRun(d, { email_uuid: `engine-nocustomer-${++seq}`, reason_text: email.subject, email, customer_id: null, invoice_ref: null, invoked_by: 'test' });
    expect(run.customer_id).toBeNull();
    expect((run.snapshot.context as { loaded: { customer: unknown } }).loaded.customer).toBeNull();
  });

  it('writes nothing for an event the state does not take', async () => {
    const d = deps();
    const { run } = await startFor(d);
    const res = await applyEvent(d, run.id, { type: 'RETRY_STEP', step: 'escalate' });
    expect(res.applied).toBe(false);
    expect(res.run.event_count).toBe(run.event_count);
    const [row] = await db.sql`SELECT event_count, updated_at FROM runs WHERE id = ${run.id}`;
    expect(row).toEqual({ event_count: run.event_count, updated_at: run.updated_at });
  });

  it('appends a note to a run\'s journal at its next sequence number, in one statement, leaving its state as it is', async () => {
    const d = deps();
    const { run } = await startFor(d);
    const [before] = await db.sql`SELECT event_count, state_value, status FROM runs WHERE id = ${run.id}`;
    await db.sql.begin((tx) => appendRunNote(tx, run.id, { type: 'proposal.approved', proposed_action_id: 1 }, d.clock.now()));
    await db.sql.begin((tx) => appendRunNote(tx, 987654, { type: 'proposal.approved' }, d.clock.now())); // no such run: nothing
    const [after] = await db.sql`SELECT event_count, state_value, status FROM runs WHERE id = ${run.id}`;
    expect(after).toEqual({ ...before, event_count: before!.event_count + 1 });
    const journal = await db.sql`SELECT seq, event, state_before, state_after, effects FROM run_journal WHERE run_id = ${run.id} ORDER BY seq`;
    expect(journal.map((j) => j.seq)).toEqual(Array.from({ length: after!.event_count }, (_, i) => i));
    expect(journal.at(-1)).toEqual({
      seq: before!.event_count, event: { type: 'proposal.approved', proposed_action_id: 1 }, state_before: before!.state_value, state_after: before!.state_value, effects: [],
    });
    expect(await db.sql`SELECT count(*)::int AS n FROM run_journal WHERE run_id = 987654`).toEqual([{ n: 0 }]);
  });

  it('says which run does not exist', async () => {
    await expect(applyEvent(deps(), 987654, { type: 'APPROVAL_EXPIRED', at: 'x' })).rejects.toMatchObject({ code: 'not_found', message: 'run 987654 does not exist' });
  });

  it('lets an error that is not a restore error through, rolling back, without failing the run', async () => {
    const d = deps({ recordDecision: async () => { throw new Error('the decisions table is gone'); } });
    const { run, envelopeId } = await startFor(d);
    await expect(approve(d, run.id, envelopeId)).rejects.toThrow('the decisions table is gone');
    const [row] = await db.sql`SELECT status, event_count FROM runs WHERE id = ${run.id}`;
    expect(row).toEqual({ status: 'awaiting_approval', event_count: run.event_count });
    expect(await db.sql`SELECT kind FROM alerts WHERE run_id = ${run.id}`).toEqual([]);
  });

  it('fails an unrestorable run once: a second event adds no journal entry, alert or notification', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    await db.sql`UPDATE runs SET snapshot = jsonb_set(snapshot, '{value}', '"gone"') WHERE id = ${run.id}`;
    const first = await approve(d, run.id, envelopeId);
    expect(first.run).toMatchObject({ status: 'failed', event_count: run.event_count + 1 });
    const [entry] = await db.sql`SELECT event, state_before, state_after FROM run_journal WHERE run_id = ${run.id} ORDER BY seq DESC LIMIT 1`;
    expect(entry).toEqual({
      event: { type: 'runtime.restore_failed', reason: expect.stringMatching(new RegExp(`^run ${run.id} \\(machine version 1\\) cannot be restored`)) },
      state_before: 'awaitingApproval',
      state_after: 'awaitingApproval',
    });
    const [alert] = await db.sql`SELECT step, detail FROM alerts WHERE run_id = ${run.id}`;
    expect(alert).toEqual({ step: null, detail: { machine_version: 1 } });
    const second = await approve(d, run.id, envelopeId);
    expect(second).toMatchObject({ applied: false, run: { status: 'failed', event_count: run.event_count + 1 } });
    expect(await db.sql`SELECT count(*)::int AS n FROM alerts WHERE run_id = ${run.id}`).toEqual([{ n: 1 }]);
  });

  it('refuses a run stored by a newer machine, naming both versions', async () => {
    const d = deps();
    const { run, envelopeId } = await startFor(d);
    await db.sql`UPDATE runs SET machine_version = 2 WHERE id = ${run.id}`;
    expect((await approve(d, run.id, envelopeId)).run.status).toBe('failed');
    const [alert] = await db.sql`SELECT message FROM alerts WHERE run_id = ${run.id}`;
    expect(alert!.message).toBe(`run ${run.id} was stored by machine version 2, newer than this code's 1`);
  });
});

describe('describeError', () => {
  it('shows a database error\'s SQLSTATE and constraint before its message, and nothing of a stack', () => {
    expect(describeError(Object.assign(new Error('new row violates check'), { code: '23514', constraint_name: 'x_check' }))).toBe('postgres 23514: constraint x_check: new row violates check');
    expect(describeError(Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED: connect refused');
    expect(describeError(Object.assign(new Error('odd'), { code: '2351' }))).toBe('2351: odd');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('a string')).toBe('a string');
    expect(describeError(new Error('x'.repeat(600)))).toHaveLength(500);
  });
});
