import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, migrationStatus } from '../../persistence/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

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
