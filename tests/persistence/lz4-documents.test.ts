// Migration 0008: the documents a run writes are compressed with lz4 where the server has it (pglz was the
// largest single function of PostgreSQL's CPU under load), and the migration applies on a server without it
// (the embedded default: tests/e2e/embedded.test.ts migrates one), leaving pglz.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** Whether this server was built with lz4: a column that asks for it is refused (feature_not_supported) if not. */
async function serverHasLz4(): Promise<boolean> {
  try {
    await db.sql.begin(async (tx) => {
      await tx`CREATE TEMP TABLE lz4_probe (j jsonb COMPRESSION lz4)`;
      throw new Error('rollback');
    });
  } catch (err) {
    if ((err as { code?: string }).code === '0A000') return false;
    if ((err as Error).message !== 'rollback') throw err;
  }
  return true;
}

describe('run documents compressed with lz4 (migration 0008)', () => {
  it('declares lz4 on the columns of every document a run writes, where the server has it', async () => {
    const methods = await db.sql<{ column: string; method: string | null }[]>`
      SELECT c.relname || '.' || a.attname AS column, nullif(a.attcompression, '') AS method
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relname IN ('runs', 'run_journal', 'proposed_actions', 'workflow_run_log', 'event_ledger', 'outbox')
        AND a.attnum > 0 AND NOT a.attisdropped AND format_type(a.atttypid, a.atttypmod) = 'jsonb'
      ORDER BY 1`;
    const lz4 = await serverHasLz4();
    const expected = ['event_ledger.payload', 'outbox.payload', 'proposed_actions.payload', 'run_journal.effects', 'run_journal.event',
      'run_journal.state_after', 'run_journal.state_before', 'runs.input', 'runs.loaded', 'runs.snapshot',
      'workflow_run_log.errors', 'workflow_run_log.summary_json'];
    expect(methods.filter((m) => m.method === 'l').map((m) => m.column)).toEqual(lz4 ? expected : []);
  });

  it("stores a new run's snapshot, loaded rows and approval envelope compressed with it", async () => {
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const body = triageFor((e) => e.expected.customer_id === 1002, 'lz4-1');
    const { run } = await startRun({ sql: db.sql, clock, effects: effectRegistry() }, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
    const [row] = await db.sql<{ snapshot: string | null; loaded: string | null; payload: string | null }[]>`
      SELECT pg_column_compression(r.snapshot) AS snapshot, pg_column_compression(r.loaded) AS loaded,
             pg_column_compression(p.payload) AS payload
      FROM runs r JOIN proposed_actions p ON p.run_id = r.id AND p.step = 'approval' WHERE r.id = ${run.id}`;
    const method = (await serverHasLz4()) ? 'lz4' : 'pglz';
    // Each is over the size at which PostgreSQL compresses a row's largest values (a run of the sample mirror).
    expect(row).toEqual({ snapshot: method, loaded: method, payload: method });
  });
});
