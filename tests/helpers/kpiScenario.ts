// A few disputes over two days that give every KPI of the dashboard a number: one approved after 10 minutes
// with its reason corrected (PRC → DSC), verified the next morning (completed), one rejected after 30, one expired, one left
// open, one blocked. `EXPECTED` is what GET /api/kpis must answer for 2026-11-20..2026-11-21.
import { expect } from 'vitest';
import { fireDueTimers } from '../../runtime/timers.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import type { Sql } from '../../persistence/connect.ts';
import { triageFor } from './fixtures.ts';
import { startTestServer, type TestServer } from './server.ts';

const uuid = (prefix: string) => (e: { email_uuid: string }) => e.email_uuid.startsWith(prefix);

async function start(srv: TestServer, prefix: string): Promise<number> {
  const res = await srv.triage(triageFor(uuid(prefix)));
  expect(res.status).toBe(202);
  return ((await res.json()) as { run_id: number }).run_id;
}
async function envelopeOf(srv: TestServer, runId: number): Promise<number> {
  const run = (await (await srv.api('GET', `/runs/${runId}`)).json()) as { proposed_actions: { id: number }[] };
  return run.proposed_actions[0]!.id;
}

/** Runs the scenario on `srv` (its clock must be at 2026-11-20T16:00Z). Returns the run ids by name. */
export async function kpiScenario(srv: TestServer, sql: Sql) {
  const approved = await start(srv, 'b61e6ba5'); // 1002, PRC, 172.80
  const rejected = await start(srv, 'ec7ac8ad'); // 1006, QTY, 1162.50
  const expired = await start(srv, 'dc36fc90'); // 1009, CRN, 412.50
  srv.clock.advance(10 * 60_000);
  const ok = await srv.api('POST', `/proposed-actions/${await envelopeOf(srv, approved)}/approve`, { corrections: { reason_code: 'DSC' } });
  expect(ok.status).toBe(200);
  srv.clock.advance(20 * 60_000);
  expect((await srv.api('POST', `/proposed-actions/${await envelopeOf(srv, rejected)}/reject`, { reason: 'not a dispute' })).status).toBe(200);
  srv.clock.advance(31 * 60_000);
  await fireDueTimers({ sql, clock: srv.clock, effects: srv.effects });
  srv.clock.set('2026-11-21T09:00:00Z');
  const verified = await runDueChecks({ sql, clock: srv.clock, effects: srv.effects });
  expect(verified.map((v) => v.result)).toEqual(['pass']);
  const open = await start(srv, '4ca8c324'); // 1009, DMG, 3792
  const strict = await startTestServer(sql, { clock: srv.clock, preconditionSeverity: { invoice_exists: 'block' } });
  let blocked: number;
  try {
    const res = await strict.triage(triageFor(uuid('543bcfbb'))); // 1016, PRC, 275, an invoice the mirror lacks
    expect(res.status).toBe(202);
    blocked = ((await res.json()) as { run_id: number; status: string }).run_id;
  } finally {
    await strict.close();
  }
  const { counts } = (await (await srv.api('GET', '/runs')).json()) as { counts: Record<string, number> };
  expect(counts).toEqual({ completed: 1, rejected: 1, expired: 1, awaiting_approval: 1, blocked: 1 });
  return { approved, rejected, expired, open, blocked };
}

export const EXPECTED = {
  from: '2026-11-20',
  to: '2026-11-21',
  approval_window_minutes: 60,
  disputes_per_day: [
    { day: '2026-11-20', reason_code: 'CRN', disputes: 1 },
    { day: '2026-11-20', reason_code: 'DSC', disputes: 1 },
    { day: '2026-11-20', reason_code: 'QTY', disputes: 1 },
    { day: '2026-11-21', reason_code: 'DMG', disputes: 1 },
    { day: '2026-11-21', reason_code: 'PRC', disputes: 1 },
  ],
  open_amount_by_age: [
    { bucket: '0-30', disputes: 2, amount: 3964.8 },
    { bucket: '31-60', disputes: 0, amount: 0 },
    { bucket: '61-90', disputes: 0, amount: 0 },
    { bucket: '90+', disputes: 0, amount: 0 },
  ],
  decision_minutes_per_day: [{ day: '2026-11-20', decisions: 2, p50_minutes: 20, p90_minutes: 28 }],
  outcomes: { total: 5, approved: 1, rejected: 1, expired: 1, blocked: 1, undecided: 1 },
  verify: { pass: 1, fail: 0, timeout: 0, checked: 1, pass_rate: 1 },
  top_customers: [
    { customer_id: 1009, name: expect.any(String), open_disputes: 1, open_amount: 3792 },
    { customer_id: 1002, name: 'Bluewater Marine', open_disputes: 1, open_amount: 172.8 },
  ],
  reason_corrections: [{ from: 'PRC', to: 'DSC', corrections: 1 }],
};
