// Migration 0007: runs stored before it carry their mirror rows inside the snapshot; the migration moves them
// into runs.loaded, and a read of the run gives the same context as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../persistence/migrate.ts';
import { getRun } from '../../persistence/runs.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterAll(() => db.drop());

describe('run loaded context migration', () => {
  it('moves context.loaded out of stored snapshots into runs.loaded, and reads give the context as before', async () => {
    const all = loadMigrations();
    const at = all.findIndex((m) => m.name === 'run_loaded_context');
    expect(at).toBeGreaterThan(0);
    await migrate(db.sql, all.slice(0, at));
    const loaded = { customer: { id: '1002', companyname: 'Acme' }, invoice: null, payments: [], invoice_matches: 0, prior_disputes: 1 };
    const context = { input: { email_uuid: 'm-1' }, extraction: { reason_code: 'pricing' }, loaded, prior_disputes: 1 };
    const insert = (uuid: string, snapshot: unknown) => db.sql<{ id: number }[]>`
      INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, invoked_by, created_at, updated_at)
      VALUES ('customer_invoice_dispute', ${uuid}, 1, 'awaiting_approval', '"awaitingApproval"', ${db.sql.json(snapshot as never)}, '{}', 'triage', now(), now())
      RETURNING id`;
    const [withRows] = await insert('m-1', { value: 'awaitingApproval', status: 'active', context });
    const [notYet] = await insert('m-2', { value: 'trigger', status: 'active', context: { ...context, loaded: null } });
    await migrate(db.sql);
    const rows = await db.sql<{ id: number; has_loaded: boolean; loaded: unknown; reason_code: string }[]>`
      SELECT id, snapshot->'context' ? 'loaded' AS has_loaded, loaded, reason_code FROM runs ORDER BY id`;
    expect(rows).toEqual([
      { id: withRows!.id, has_loaded: false, loaded, reason_code: 'pricing' },
      { id: notYet!.id, has_loaded: true, loaded: null, reason_code: 'pricing' },
    ]);
    expect((await getRun(db.sql, withRows!.id))!.snapshot.context).toEqual(context);
    expect((await getRun(db.sql, notYet!.id))!.snapshot.context).toEqual({ ...context, loaded: null });
  });
});
