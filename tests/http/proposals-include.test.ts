// GET /proposed-actions?include=run answers a page of proposals with the runs behind them (what the
// approvals page reads of GET /runs/:id), so the page needs one request per page instead of one per run.
// Without include the answer is as before; a wrong include is a 400 naming the field. And GET /runs counts
// per status agree with the runs there are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;
beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

const get = async (path: string) => {
  const res = await srv.api('GET', path);
  return { status: res.status, body: (await res.json()) as any };
};

describe('GET /proposed-actions?include=run', () => {
  it('brings each run of the page once, as GET /runs/:id shows it', async () => {
    const started: number[] = [];
    for (const customer of [1002, 1003, 1002]) {
      const res = await srv.triage(triageFor((e) => e.expected.customer_id === customer, randomUUID()));
      expect(res.status).toBe(202);
      started.push(((await res.json()) as { run_id: number }).run_id);
    }
    const [first] = await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${started[0]!} AND step = 'approval'`;
    // A decided run with a correction: its corrections and decided envelope come along too.
    const approved = await srv.api('POST', `/proposed-actions/${first!.id}/approve`, { note: 'ok', corrections: { reason_code: 'DMG' } });
    expect(approved.status).toBe(200);

    const plain = await get('/proposed-actions?status=pending&limit=200');
    expect(plain.status).toBe(200);
    expect(plain.body.runs).toBeUndefined();

    for (const path of ['/proposed-actions?status=pending&limit=200&include=run', '/proposed-actions?limit=2&include=run']) {
      const { status, body } = await get(path);
      expect(status).toBe(200);
      const ids = [...new Set(body.items.map((p: { run_id: number }) => p.run_id))].sort();
      expect(body.runs.map((r: { run_id: number }) => r.run_id).sort()).toEqual(ids);
      for (const r of body.runs) {
        const full = (await get(`/runs/${r.run_id}`)).body;
        expect(r).toEqual({
          run_id: full.run_id, status: full.status, state: full.state, extraction: full.extraction, warnings: full.warnings,
          corrections: full.corrections, proposed_actions: full.proposed_actions, updated_at: full.updated_at,
        });
      }
    }
    const pending = await get('/proposed-actions?status=pending&limit=200&include=run');
    expect(pending.body.runs.map((r: { run_id: number }) => r.run_id)).toEqual(expect.arrayContaining([started[1], started[2]]));
    const decided = (await get('/proposed-actions?limit=200&include=run')).body.runs.find((r: { run_id: number }) => r.run_id === started[0]);
    expect(decided.corrections).toEqual([expect.objectContaining({ field: 'reason_code', to: 'DMG', proposed_action_id: first!.id })]);
  });

  it('refuses an unknown include with a 400 naming the field, and an empty page has no runs', async () => {
    const bad = await get('/proposed-actions?include=journal');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toContain('include');
    const none = await get('/proposed-actions?status=expired&include=run');
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ items: [], runs: [], next_cursor: null });
  });
});

describe('GET /runs counts', () => {
  it('equal the number of runs per status', async () => {
    const { body } = await get('/runs?limit=1');
    const rows = await db.sql<{ status: string; n: number }[]>`SELECT status, count(*)::int AS n FROM runs GROUP BY status`;
    expect(body.counts).toEqual(Object.fromEntries(rows.map((r) => [r.status, r.n])));
    expect(Object.values(body.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(3);
  });
});
