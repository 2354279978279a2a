// The context step's reads of a known customer in one statement (persistence/mirror/context.ts): each part
// gives exactly what its query gives on its own (the contract's named queries through runNamedQuery, the
// history, the hold request), read as JSON instead of through the driver's type parsers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, WORKFLOW_TYPE } from '../../machines/contract.ts';
import { sqlClient } from '../../persistence/connect.ts';
import { customerHistory, HISTORY_NOTE_CHARS } from '../../persistence/history.ts';
import { holdRequestQuery } from '../../persistence/holds.ts';
import { customerContext } from '../../persistence/mirror/context.ts';
import { namedQueryPart, runNamedQuery } from '../../persistence/mirror/named.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ mirror: true });
});
afterAll(() => db.drop());

const Q = CONTRACT.context_queries;
const now = new Date('2026-11-20T12:00:00Z');

/** Each part as its own statement, as the context step read them before. */
async function oneByOne(customerId: number, runId: number, invoiceRef: string | null) {
  return {
    invoice: invoiceRef ? await runNamedQuery(db.sql, Q.invoice, [invoiceRef, customerId]) : null,
    customer: await runNamedQuery(db.sql, Q.customer, [customerId]),
    recent_payments: await runNamedQuery(db.sql, Q.recent_payments, [customerId, now]),
    prior_disputes: await runNamedQuery(db.sql, Q.prior_disputes, [customerId]),
    open_disputes: await runNamedQuery(db.sql, Q.open_disputes, [customerId]),
    prior_invoices: await runNamedQuery(db.sql, Q.prior_invoices, [customerId]),
    hold: (await holdRequestQuery(db.sql, customerId))[0] ?? null,
    history: await customerHistory(db.sql, { customer_id: customerId, workflow_type: WORKFLOW_TYPE, exclude_run_id: runId }),
  };
}

describe('customerContext', () => {
  it("gives every customer of the mirror the same rows as the queries one by one, in the same order", async () => {
    const customers = await db.sql<{ id: number }[]>`SELECT id FROM customers ORDER BY id`;
    expect(customers.length).toBeGreaterThan(5);
    for (const { id } of customers) {
      const [latest] = await db.sql<{ tranid: string }[]>`SELECT tranid FROM transactions WHERE entity = ${id} AND type = 'CustInvc' ORDER BY trandate DESC LIMIT 1`;
      const ref = latest?.tranid ?? null;
      expect(await customerContext(db.sql, { customer_id: id, now, run_id: 0, invoice_ref: ref }), `customer ${id}`).toEqual(await oneByOne(id, 0, ref));
    }
  });

  it("with runs behind it: the customer's history (less the run asking) and the hold an approver asked for", async () => {
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const deps = { sql: db.sql, clock, effects: effectRegistry() };
    const runIds: number[] = [];
    for (const uuid of ['ctx-1', 'ctx-2', 'ctx-3']) {
      const { run } = await startRun(deps, { ...triageFor((e) => e.expected.customer_id === 1002, uuid), customer_id: null, invoice_ref: null, invoked_by: 't' });
      const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
      await applyEvent(deps, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: `run ${uuid}`, at: clock.now().toISOString() });
      runIds.push(run.id);
      clock.advance(60_000);
    }
    const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${runIds[0]!} AND step = 'approval'`;
    await db.sql`INSERT INTO customer_hold_requests VALUES (1002, ${runIds[0]!}, ${env!.id}, 'mike', '2026-11-20T10:30:00.123Z')`;
    const found = await customerContext(db.sql, { customer_id: 1002, now, run_id: runIds[2]!, invoice_ref: null });
    expect(found).toEqual(await oneByOne(1002, runIds[2]!, null));
    expect(found.history.map((h) => h.run_id)).toEqual([runIds[1], runIds[0]]);
    expect(found.history[0]).toMatchObject({ decision: 'approved', decided_by: 'mike', note: 'run ctx-2' });
    expect(found.hold).toEqual({ customer_id: 1002, run_id: runIds[0], proposed_action_id: env!.id, requested_by: 'mike', requested_at: new Date('2026-11-20T10:30:00.123Z') });
  });

  it("finds no invoice of another customer's number, and none at all for a number nobody has", async () => {
    const [other] = await db.sql<{ tranid: string }[]>`SELECT tranid FROM transactions WHERE entity <> 1002 AND type = 'CustInvc' LIMIT 1`;
    expect((await customerContext(db.sql, { customer_id: 1002, now, run_id: 0, invoice_ref: other!.tranid })).invoice).toEqual([]);
    expect((await customerContext(db.sql, { customer_id: 1002, now, run_id: 0, invoice_ref: 'INV-999999' })).invoice).toEqual([]);
    expect((await customerContext(db.sql, { customer_id: 1002, now, run_id: 0 })).invoice).toBeNull();
  });

  it('is planned once per connection, not at every start: PostgreSQL keeps its generic plan', async () => {
    // With a few hundred finished runs of the customer and statistics, a LIMIT bound as a parameter made
    // PostgreSQL plan this statement for its values at every call (about 1.2 ms of its CPU a start).
    // pg_prepared_statements counts, for the connection's prepared statements, the plans made of each kind.
    const clock = new ManualClock('2026-11-20T11:00:00Z');
    const deps = { sql: db.sql, clock, effects: effectRegistry() };
    const { run } = await startRun(deps, { ...triageFor((e) => e.expected.customer_id === 1002, 'ctx-plan'), customer_id: null, invoice_ref: null, invoked_by: 't' });
    const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
    await applyEvent(deps, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: null, at: clock.now().toISOString() });
    clock.advance(31_000);
    expect(await runDueChecks(deps, { only: { run_id: run.id } })).not.toHaveLength(0);
    // 300 copies of that finished run, each with its run log, approval, decision and verify result: what the
    // history joins (the state of a busy customer, made in one statement instead of 300 runs).
    await db.sql`
      WITH copies AS (
        INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, customer_id, invoked_by, event_count, created_at, updated_at, loaded)
        SELECT workflow_type, email_uuid || '-copy-' || n, machine_version, status, state_value, snapshot, input, customer_id, invoked_by, event_count, created_at, updated_at, loaded
        FROM runs, generate_series(1, 300) n WHERE id = ${run.id}
        RETURNING id),
      logs AS (
        INSERT INTO workflow_run_log (run_id, customer_id, workflow_type, status, started_at, completed_at, duration_ms, steps_total, steps_succeeded, steps_failed, steps_skipped, errors, summary_json)
        SELECT c.id, l.customer_id, l.workflow_type, l.status, l.started_at, l.completed_at, l.duration_ms, l.steps_total, l.steps_succeeded, l.steps_failed, l.steps_skipped, l.errors, l.summary_json
        FROM copies c, workflow_run_log l WHERE l.run_id = ${run.id}),
      checks AS (
        INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, checked_at, detail, created_at)
        SELECT c.id, v.check_name, v.sql_check, v.params, v.status, v.due_at, v.checked_at, v.detail, v.created_at
        FROM copies c, workflow_verify_results v WHERE v.run_id = ${run.id}),
      proposals AS (
        INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at, decided_at, decided_by, decision_note)
        SELECT c.id, p.step, p.action_type, p.entity_type, p.entity_ref, p.payload, p.status, p.proposed_at, p.decided_at, p.decided_by, p.decision_note
        FROM copies c, proposed_actions p WHERE p.run_id = ${run.id}
        RETURNING id, run_id, step)
      INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at)
      SELECT p.id, p.run_id, d.decision, d.decided_by, d.note, d.shown_sha256, d.decided_at
      FROM proposals p, approval_decisions d, proposed_actions o
      WHERE o.run_id = ${run.id} AND o.step = p.step AND d.proposed_action_id = o.id`;
    await db.sql`ANALYZE`;
    const one = sqlClient(db.url, 1);
    try {
      for (let i = 0; i < 12; i++) await customerContext(one, { customer_id: 1002, now, run_id: 0, invoice_ref: 'INV-004143' });
      const plans = await one<{ generic_plans: number; custom_plans: number }[]>`
        SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement LIKE '%json_agg(q)%' AND statement NOT LIKE '%pg_prepared_statements%'`;
      expect(plans).toHaveLength(1);
      expect(plans[0]!.custom_plans).toBeLessThanOrEqual(5);
      expect(plans[0]!.generic_plans).toBeGreaterThanOrEqual(7);
    } finally {
      await one.end();
    }
  });

  it("reads no run of the customer that is still open: three thousand awaiting approval cost its history a few buffers", async () => {
    // One finished run of customer 1003, then 3,000 newer runs of theirs awaiting approval, each with its
    // envelope (the state of a customer whose disputes wait for an approver). Counted in buffers read, which do
    // not depend on the machine: the history walked every open run before migration 0011 (about 400 buffers
    // here, in a quiet database; some 2,000 per start in the benchmark, whose runs are all one customer's).
    const clock = new ManualClock('2026-11-20T09:00:00Z');
    const deps = { sql: db.sql, clock, effects: effectRegistry() };
    const { run } = await startRun(deps, { ...triageFor((e) => e.expected.customer_id === 1003, 'ctx-open'), customer_id: null, invoice_ref: null, invoked_by: 't' });
    const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
    await applyEvent(deps, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: 'the finished one', at: clock.now().toISOString() });
    const [finished] = await db.sql<{ status: string; customer_id: number }[]>`SELECT status, customer_id::int FROM runs WHERE id = ${run.id}`;
    expect(finished).toEqual({ status: 'verifying', customer_id: 1003 });
    await db.sql`
      WITH open AS (
        INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, customer_id, invoked_by, event_count, created_at, updated_at)
        SELECT workflow_type, email_uuid || '-open-' || n, machine_version, 'awaiting_approval', '"awaitingApproval"', snapshot, input, customer_id, invoked_by, 1, created_at, updated_at
        FROM runs, generate_series(1, 3000) n WHERE id = ${run.id}
        RETURNING id)
      INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
      SELECT id, 'approval', ${CONTRACT.hitl.action_type}, 'workflow_run', 'run_' || id, '{}', 'pending', ${now} FROM open`;
    await db.sql`ANALYZE runs`;
    const q = { customer_id: 1003, workflow_type: WORKFLOW_TYPE, exclude_run_id: 0 };
    const history = await customerHistory(db.sql, q);
    expect(history.map((h) => [h.run_id, h.note])).toEqual([[run.id, 'the finished one']]);
    const [{ 'QUERY PLAN': [plan] }] = await db.sql<[{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }]>`
      EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${customerHistory(db.sql, q) as never}`;
    const hit = plan!.Plan['Shared Hit Blocks'] as number;
    expect(hit, `buffers read: ${hit}`).toBeLessThan(50);
    expect(JSON.stringify(plan), 'read through the run logs of the customer').toContain('workflow_run_log_customer');
  });

  it("planned for no customer in particular, reads a customer's own logs: one with none does not walk the others'", async () => {
    // The plan a connection keeps for the history is generic (see above). With the few customers of this
    // database (hundreds of logs of 1002's), PostgreSQL's own estimate made walking every run log newest first
    // look cheaper than the customer's index, and a customer with no run then read them all (migration 0012).
    await db.sql`ANALYZE workflow_run_log`;
    const [{ n }] = await db.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM workflow_run_log WHERE customer_id = 1002`;
    expect(n).toBeGreaterThan(250);
    const { string } = await db.sql`${customerHistory(db.sql, { customer_id: 0, workflow_type: WORKFLOW_TYPE, exclude_run_id: 0 }) as never}`.describe();
    const one = sqlClient(db.url, 1);
    try {
      await one.begin(async (tx) => {
        await tx`SET LOCAL plan_cache_mode = force_generic_plan`;
        await tx.unsafe(`PREPARE history_generic AS ${string}`);
        // The statement's parameters in the order the template writes them: the note's length, the customer, the
        // run asking, the workflow type.
        const [{ 'QUERY PLAN': [plan] }] = await tx.unsafe<[{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }]>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE history_generic(${HISTORY_NOTE_CHARS}, 3000, 0, '${WORKFLOW_TYPE}')`);
        const hit = plan!.Plan['Shared Hit Blocks'] as number;
        expect(plan!.Plan['Actual Rows'], 'customer 3000 has no history').toBe(0);
        expect(hit, `buffers read: ${hit}`).toBeLessThan(20);
        expect(JSON.stringify(plan), "read through the customer's index").toContain('workflow_run_log_customer');
      });
    } finally {
      await one.end();
    }
  });

  it('refuses a history limit that is not a whole number, before anything is sent', () => {
    for (const limit of [1.5, -1, Number.NaN, 2 ** 60]) {
      expect(() => customerHistory(db.sql, { customer_id: 1002, workflow_type: WORKFLOW_TYPE, exclude_run_id: 0, limit })).toThrow(RangeError);
    }
  });

  it('hands postgres.js one strings array per named query, whatever the values: nothing is kept per call', () => {
    // postgres.js keeps an Error (with its stack) for every strings array it is given as a template, in a Map it
    // never empties (vendor/postgres/src/query.js, cachedError). Built anew per call, each start left about 12 KB
    // behind for good (200,000 parts: 129 MB of heap); the same array each time keeps one entry per query.
    const a = namedQueryPart(db.sql, Q.recent_payments, [1002, now]);
    const b = namedQueryPart(db.sql, Q.recent_payments, [1017, new Date('2026-01-01T00:00:00Z')]);
    expect(Reflect.get(a, 'strings')).toBe(Reflect.get(b, 'strings'));
    expect(Reflect.get(a, 'strings')).not.toBe(Reflect.get(namedQueryPart(db.sql, Q.customer, [1002]), 'strings'));
    expect(Reflect.get(b, 'args')).toEqual([1017, new Date('2026-01-01T00:00:00Z')]);
  });

  it('refuses a named query that uses more parameters than it was given', () => {
    expect(() => namedQueryPart(db.sql, Q.recent_payments, [1002])).toThrow('named query uses $2 but has 1 parameter(s)');
  });
});
