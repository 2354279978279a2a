// Migration 0002: runs written before email_uuid was canonical get the lower-case key of a UUID, without
// failing on emails that the old bug had already split into two runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../persistence/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ mirror: false });
});
afterAll(() => db.drop());

const A = 'AAAAAAAA-0000-4000-8000-00000000000A';
const B = 'BBBBBBBB-0000-4000-8000-00000000000B';
const C = 'CCCCCCCC-0000-4000-8000-00000000000C';

async function legacyRun(emailUuid: string): Promise<number> {
  const [r] = await db.sql`
    INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, invoked_by, created_at, updated_at)
    VALUES ('customer_invoice_dispute', ${emailUuid}, 1, 'running', '"trigger"', '{}', '{}', 'triage', now(), now())
    RETURNING id`;
  return Number(r!.id);
}

describe('canonical email_uuid migration', () => {
  it('lower-cases UUID keys, keeps other keys, and leaves runs the old bug had split apart', async () => {
    const a = await legacyRun(A);
    const bUpper = await legacyRun(B);
    const bLower = await legacyRun(B.toLowerCase());
    const c1 = await legacyRun(C);
    const c2 = await legacyRun('Cccccccc-0000-4000-8000-00000000000c');
    const opaque = await legacyRun('Msg-ABC.1');
    const m = loadMigrations().find((x) => x.name === 'canonical_email_uuid')!;
    await db.sql.begin((tx) => tx.unsafe(m.text));
    const rows = await db.sql<{ id: number; email_uuid: string }[]>`SELECT id, email_uuid FROM runs ORDER BY id`;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.email_uuid]))).toEqual({
      [a]: A.toLowerCase(),
      [bUpper]: B, // the lower-case run exists already and stays the one a redelivery finds
      [bLower]: B.toLowerCase(),
      [c1]: C.toLowerCase(), // the earliest of the split runs becomes canonical
      [c2]: 'Cccccccc-0000-4000-8000-00000000000c',
      [opaque]: 'Msg-ABC.1',
    });
  });
});
