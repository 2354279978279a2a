// What the schedulers' claims, the outbox's lease and the reply's verify check read when much is due or recent
// (migrations 0013 and 0014).
// Counted in buffers, which do not depend on the machine: a claim of the next due checks or timer must not read
// every due row, and the contract's reply check must read the run's own proposals, not every recent reply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT } from '../../machines/contract.ts';
import type { Tx } from '../../persistence/connect.ts';
import { dueLease } from '../../persistence/outbox.ts';
import { dueTimerClaim } from '../../persistence/timers.ts';
import { claimDueChecks } from '../../persistence/verify.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
/** One real run, approved (its own check falls due first), and its copies, oldest first. */
let real: number;
let copies: number[];
const COPIES = 2000;
/** The instant every copy's check and timer fall due (as when one transaction staged them all). */
const DUE = new Date('2026-11-20T12:00:00Z');
const LATER = new Date('2026-11-20T13:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase({ mirror: true });
  const clock = new ManualClock('2026-11-20T09:00:00Z');
  const deps = { sql: db.sql, clock, effects: effectRegistry() };
  const { run } = await startRun(deps, { ...triageFor((e) => e.expected.customer_id === 1003, 'claims'), customer_id: null, invoice_ref: null, invoked_by: 't' });
  const [env] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
  await applyEvent(deps, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: null, at: clock.now().toISOString() });
  const rows = await db.sql<{ id: number }[]>`
    INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, customer_id, invoked_by, event_count, created_at, updated_at)
    SELECT workflow_type, email_uuid || '-copy-' || n, machine_version, 'verifying', state_value, snapshot, input, customer_id, invoked_by, event_count, created_at, updated_at
    FROM runs, generate_series(1, ${COPIES}) n WHERE id = ${run.id}
    RETURNING id`;
  real = run.id;
  copies = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  // The older half's replies, proposed before the statistics are taken (the other half's come later, below).
  await db.sql`
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
    SELECT id, 'draftResponse', 'customer_email', 'customer', '1003', jsonb_build_object('body', repeat(md5(id::text), 45)), 'pending', '2026-11-20T09:00:00Z'
    FROM unnest(${copies.slice(0, COPIES / 2)}::bigint[]) id`;
  const check = CONTRACT.verify_checks[0];
  await db.sql`
    INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, created_at)
    SELECT id, ${check.name}, ${check.sql_check}, jsonb_build_array(id, '2026-11-20T09:00:00Z'), 'pending', ${DUE}, ${DUE} FROM unnest(${copies}::bigint[]) id`;
  await db.sql`
    INSERT INTO timers (run_id, name, event, due_at, created_at)
    SELECT id, 'approval_window', '{"type":"APPROVAL_EXPIRED"}', ${DUE}, ${DUE} FROM unnest(${copies}::bigint[]) id`;
  await db.sql`
    INSERT INTO outbox (run_id, kind, idempotency_key, payload, status, next_attempt_at, created_at)
    SELECT id, 'webhook', 'claims:' || id, jsonb_build_object('body', repeat(md5(id::text), 45)), 'pending', ${DUE}, ${DUE} FROM unnest(${copies}::bigint[]) id`;
  await db.sql`ANALYZE`;
});
afterAll(() => db.drop());

type Plan = { Plan: Record<string, unknown> };
/** Runs `explain` (an EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)) in a transaction rolled back: its locks and rows go. */
async function explained(explain: (tx: Tx) => Promise<[{ 'QUERY PLAN': [Plan] }]>): Promise<{ hit: number; rows: number; plan: string }> {
  let out: { hit: number; rows: number; plan: string } | undefined;
  await db.sql.begin(async (tx) => {
    const [{ 'QUERY PLAN': [plan] }] = await explain(tx);
    out = { hit: plan!.Plan['Shared Hit Blocks'] as number, rows: plan!.Plan['Actual Rows'] as number, plan: JSON.stringify(plan) };
    throw new Rollback();
  }).catch((err: unknown) => {
    if (!(err instanceof Rollback)) throw err;
  });
  return out!;
}
class Rollback extends Error {}

describe('the schedulers claim the next due rows, however many are due at one instant', () => {
  it('a claim of eight verify checks reads a few dozen buffers with 2,000 due at once, and claims the first due', async () => {
    // Before migration 0013 the index was on due_at alone: the claim read every due check, joined each to its run
    // and sorted them all for each eight (334 buffers here; in the benchmark's verify phase 4,000 a claim, 7.6 ms,
    // growing with the backlog). The timers' claim read 282 here.
    const claimed = await db.sql.begin((tx) => claimDueChecks(tx, LATER, 8));
    expect(claimed.map((c) => Number(c.run_id))).toEqual([real, ...copies.slice(0, 7)]);
    const { hit, rows, plan } = await explained((tx) => tx`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${claimDueChecks(tx, LATER, 8) as never}`);
    expect(rows).toBe(8);
    expect(hit, `buffers read: ${hit}`).toBeLessThan(150);
    expect(plan, 'read in claim order').toContain('workflow_verify_results_due_id');
  });

  it('a timer claim reads a few buffers with 2,000 timers due at once, and takes the first', async () => {
    const [first] = await db.sql.begin((tx) => dueTimerClaim(tx, LATER));
    expect(Number(first!.run_id)).toBe(copies[0]);
    const { hit, rows, plan } = await explained((tx) => tx`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${dueTimerClaim(tx, LATER) as never}`);
    expect(rows).toBe(1);
    expect(hit, `buffers read: ${hit}`).toBeLessThan(50);
    expect(plan, 'read in claim order').toContain('timers_due_id');
  });

  it("the outbox's lease reads a few buffers with 2,000 deliveries due at once, and takes the first", async () => {
    // Before migration 0014 its index was on next_attempt_at alone, as the claims' were: 421 buffers here.
    const { hit, rows, plan } = await explained((tx) => tx`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${dueLease(tx, LATER, 60_000) as never}`);
    expect(rows).toBe(1);
    expect(hit, `buffers read: ${hit}`).toBeLessThan(50);
    expect(plan, 'read in lease order').toContain('outbox_due_id');
    const [first] = await dueLease(db.sql, LATER, 60_000);
    expect(first!.idempotency_key).toBe(`claims:${copies[0]}`);
  });
});

describe("the reply's verify check", () => {
  it("reads the run's own proposals when the replies since its approval are newer than the statistics", async () => {
    // The contract's check: a reply of this run proposed since its approval. Replies proposed after the last
    // ANALYZE look to the planner like none at all, and with an index on (action_type, proposed_at) it read every
    // reply since the run's approval for one of them (203 buffers for the 1,000 here; 300-480 in the benchmark).
    const check = CONTRACT.verify_checks[0];
    const recent = copies.slice(COPIES / 2);
    await db.sql`
      INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
      SELECT id, 'draftResponse', 'customer_email', 'customer', '1003', jsonb_build_object('body', repeat(md5(id::text), 45)), 'pending', ${LATER}
      FROM unnest(${recent}::bigint[]) id`;
    const runId = recent.at(-1)!;
    const params = [runId, LATER.toISOString()];
    expect(await db.sql.unsafe(check.sql_check, params)).toHaveLength(1);
    const { hit, rows } = await explained((tx) => tx.unsafe(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${check.sql_check}`, params) as never);
    expect(rows).toBe(1);
    expect(hit, `buffers read: ${hit}`).toBeLessThan(20);
  });
});
