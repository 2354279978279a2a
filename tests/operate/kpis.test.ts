// GET /api/kpis over real HTTP against a real database, after a scenario that gives every number a value;
// the range is validated with a 400 naming the field, and a range with nothing in it answers zeros.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { EXPECTED, kpiScenario } from '../helpers/kpiScenario.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
  await kpiScenario(srv, db.sql);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

const kpis = async (q: string, token?: string | null) => srv.api('GET', `/api/kpis${q}`, undefined, token);

describe('GET /api/kpis', () => {
  it('answers every KPI of the range from the runs, decisions, verify results and corrections', async () => {
    const res = await kpis('?from=2026-11-20&to=2026-11-21');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject(EXPECTED);
  });

  it('defaults to the 30 days up to today, and counts only what the range holds', async () => {
    const all = (await (await kpis('')).json()) as Record<string, any>;
    expect([all.from, all.to]).toEqual(['2026-10-23', '2026-11-21']);
    expect(all.outcomes.total).toBe(5);
    const first = (await (await kpis('?from=2026-11-20&to=2026-11-20')).json()) as Record<string, any>;
    expect(first.outcomes).toEqual({ total: 3, approved: 1, rejected: 1, expired: 1, blocked: 0, undecided: 0 });
    expect(first.open_amount_by_age[0]).toEqual({ bucket: '0-30', disputes: 1, amount: 172.8 });
    expect(first.verify.checked).toBe(0);
    expect(first.verify.pass_rate).toBeNull();
    const before = (await (await kpis('?from=2026-01-01&to=2026-01-31')).json()) as Record<string, any>;
    expect(before).toMatchObject({ disputes_per_day: [], decision_minutes_per_day: [], top_customers: [], reason_corrections: [] });
    expect(before.outcomes.total).toBe(0);
  });

  it('ages open disputes at the end of the range', async () => {
    const later = (await (await kpis('?from=2027-01-01&to=2027-01-25')).json()) as Record<string, any>;
    // Both open disputes (the completed one and the one awaiting approval) are 65 to 67 days old on 2027-01-25.
    expect(later.open_amount_by_age).toEqual([
      { bucket: '0-30', disputes: 0, amount: 0 },
      { bucket: '31-60', disputes: 0, amount: 0 },
      { bucket: '61-90', disputes: 2, amount: 3964.8 },
      { bucket: '90+', disputes: 0, amount: 0 },
    ]);
    expect(later.outcomes.total).toBe(0);
  });

  it('refuses a bad range with a 400 naming the field, and wants the token', async () => {
    const cases: [string, string][] = [
      ['?from=2026-02-30', 'from'],
      ['?to=yesterday', 'to'],
      ['?from=2026-11-21&to=2026-11-20', 'to'],
      ['?from=2020-01-01&to=2026-11-20', 'from'],
      ['?from=2026-11-01&from=2026-11-02', 'from'],
      ['?since=2026-11-01', 'query'], // an unknown parameter, as every list endpoint answers it
      ['?from=%00', 'from'],
      ['?to=9999-12-31', 'to'],
      ['?from=0000-01-01', 'from'],
    ];
    for (const [q, field] of cases) {
      const res = await kpis(q);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { error: { code: string; details: { field: string }[] } };
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.details.map((d) => d.field), q).toContain(field);
    }
    expect((await kpis('', null)).status).toBe(401);
  });
});
