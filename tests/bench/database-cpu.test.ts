// bench/lib.ts databaseCpuMs: the CPU time of the local PostgreSQL server's processes, which the side-by-side
// benchmark reads around each phase (PostgreSQL CPU per run). It must see a statement's work, and say nothing
// (null) of a server on another machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseCpuMs } from '../../bench/lib.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('databaseCpuMs', () => {
  it('counts the CPU a statement costs the local server', async () => {
    const before = databaseCpuMs(db.url);
    expect(before).toEqual(expect.any(Number));
    // About half a second of one backend's CPU.
    await db.sql`SELECT count(*) FROM generate_series(1, 5000000)`;
    const after = databaseCpuMs(db.url)!;
    expect(after - before!).toBeGreaterThanOrEqual(100);
  });

  it('is null for a server on another machine', () => {
    expect(databaseCpuMs('postgres://postgres@db.example.com:5432/postgres')).toBeNull();
  });
});
