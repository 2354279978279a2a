import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT } from '../../machines/contract.ts';
import type { Sql } from '../../persistence/connect.ts';
import { loadMigrations, migrate, migrationStatus, SUPERSEDED_CHECKSUMS } from '../../persistence/migrate.ts';
import { importMirror } from '../../persistence/mirror/import.ts';
import { SAMPLE_MIRROR_DIR } from '../../persistence/mirror/sample.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { startRun } from '../../runtime/engine.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { fireDueTimers } from '../../runtime/timers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ mirror: false });
  });
  afterAll(() => db.drop());

  it('records every migration and is a no-op the second time', async () => {
    const status = await migrationStatus(db.sql);
    expect(status).toEqual({ applied: loadMigrations().length, latest: loadMigrations().length });
    expect(await migrate(db.sql)).toEqual([]);
  });

  it('applies concurrently started migrations exactly once', async () => {
    const ms = [...loadMigrations(), { version: loadMigrations().length + 1, name: 'probe', text: 'CREATE TABLE probe_1 (x int)', checksum: 'c' }];
    const results = await Promise.all([migrate(db.sql, ms), migrate(db.sql, ms), migrate(db.sql, ms)]);
    expect(results.flat()).toEqual([ms.length]);
  });

  it('refuses a database that is ahead of the code', async () => {
    await expect(migrate(db.sql, loadMigrations())).rejects.toThrow(/only knows/);
  });

  it('refuses an applied migration whose text was edited', async () => {
    const ms = loadMigrations().map((m) => (m.version === 1 ? { ...m, checksum: 'edited' } : m));
    await expect(migrate(db.sql, [...ms, { version: ms.length + 1, name: 'probe', text: '', checksum: 'c' }])).rejects.toThrow(/was edited/);
  });
});

// 0001_init.sql was edited after it had shipped. A database made by any earlier text of it must start with
// the current code: its checksum is accepted as superseded, and 0002 brings its schema to today's.
describe('databases made by an earlier text of 0001_init.sql', () => {
  const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
  const earlier = readdirSync(FIXTURES).filter((f) => /^0001_init\.[0-9a-f]+\.sql$/.test(f)).sort();
  let fresh: TestDatabase;
  beforeAll(async () => {
    fresh = await createTestDatabase({ mirror: false });
  });
  afterAll(() => fresh.drop());

  it('has a fixture for every superseded checksum, taken from git history', () => {
    const fixtures = Object.fromEntries(earlier.map((f) => [sha256(readFileSync(FIXTURES + f, 'utf8')), `0001_init.sql as of ${f.split('.')[1]}`]));
    expect(fixtures).toEqual(SUPERSEDED_CHECKSUMS[1]);
  });

  it.each(earlier)('%s: migrates to the current schema and runs', async (file) => {
    const text = readFileSync(FIXTURES + file, 'utf8');
    const db = await createTestDatabase({ migrated: false });
    try {
      // What the earlier release did: apply its 0001 and record its checksum; then load the mirror.
      expect(await migrate(db.sql, [{ version: 1, name: 'init', text, checksum: sha256(text) }])).toEqual([1]);
      await importMirror(db.sql, SAMPLE_MIRROR_DIR);

      const later = loadMigrations().slice(1).map((m) => m.version);
      expect(await migrate(db.sql)).toEqual(later);
      expect(await migrationStatus(db.sql)).toEqual({ applied: loadMigrations().length, latest: loadMigrations().length });
      const indexes = await db.sql`SELECT indexname FROM pg_indexes WHERE indexname IN ('customers_email_domain', 'contacts_email_domain') ORDER BY 1`;
      expect(indexes.map((r) => r.indexname)).toEqual(['contacts_email_domain', 'customers_email_domain']);
      expect(await schemaOf(db.sql)).toEqual(await schemaOf(fresh.sql));

      // The current code runs on it: a run starts (no idempotency_key any more) and its window expires
      // (an 'expired' decision, which the earliest check constraint refused).
      const deps = { sql: db.sql, clock: new ManualClock(), effects: effectRegistry() };
      const { run } = await startRun(deps, { ...triageFor((e) => e.expected.customer_id === 1002, `upgrade-${file}`), customer_id: null, invoice_ref: null, invoked_by: 'test' });
      expect(run.status).toBe('awaiting_approval');
      deps.clock.advance(CONTRACT.hitl.approval_window_minutes * 60_000);
      expect(await fireDueTimers(deps)).toBe(1);
      expect(await db.sql`SELECT decision FROM approval_decisions WHERE run_id = ${run.id}`).toEqual([{ decision: 'expired' }]);
    } finally {
      await db.drop();
    }
  });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Tables, columns, indexes and constraints of the public schema, as comparable rows. */
async function schemaOf(sql: Sql) {
  const columns = await sql`SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`;
  const indexes = await sql`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`;
  const constraints = await sql`SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`;
  return { columns, indexes, constraints };
}
