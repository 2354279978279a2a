// The context step's reads of a known customer in one statement (persistence/mirror/context.ts): each part
// gives exactly what its query gives on its own (the contract's named queries through runNamedQuery, the
// history, the hold request), read as JSON instead of through the driver's type parsers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, WORKFLOW_TYPE } from '../../machines/contract.ts';
import { customerHistory } from '../../persistence/history.ts';
import { holdRequestQuery } from '../../persistence/holds.ts';
import { customerContext } from '../../persistence/mirror/context.ts';
import { namedQueryPart, runNamedQuery } from '../../persistence/mirror/named.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { applyEvent, startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
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

  it('refuses a named query that uses more parameters than it was given', () => {
    expect(() => namedQueryPart(db.sql, Q.recent_payments, [1002])).toThrow('named query uses $2 but has 1 parameter(s)');
  });
});
