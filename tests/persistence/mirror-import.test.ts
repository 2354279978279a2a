import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMirror, MirrorImportError } from '../../persistence/mirror/import.ts';
import { SAMPLE_MIRROR_DIR } from '../../persistence/mirror/sample.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

function sampleCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirror-'));
  cpSync(SAMPLE_MIRROR_DIR, dir, { recursive: true });
  return dir;
}

async function counts(db: TestDatabase) {
  const [row] = await db.sql`SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM transactions)::int AS transactions,
    (SELECT count(*) FROM contacts)::int AS contacts, (SELECT count(*) FROM customer_payments)::int AS payments, (SELECT count(*) FROM ar_disputes)::int AS disputes`;
  return row;
}

describe('mirror import', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ mirror: false });
  });
  afterAll(() => db.drop());

  it('loads the sample mirror with typed values', async () => {
    const result = await importMirror(db.sql, SAMPLE_MIRROR_DIR);
    expect(result).toEqual({ customers: 40, contacts: 80, transactions: 409, customer_payments: 347, ar_disputes: 14 });
    const [inv] = await db.sql`SELECT tranid, entity, foreigntotal, trandate FROM transactions WHERE id = 20001`;
    expect(inv).toEqual({ tranid: 'INV-004101', entity: 1001, foreigntotal: 6861.81, trandate: '2026-04-09' });
  });

  it('is idempotent: importing again updates rows instead of duplicating them', async () => {
    await importMirror(db.sql, SAMPLE_MIRROR_DIR);
    expect(await counts(db)).toEqual({ customers: 40, transactions: 409, contacts: 80, payments: 347, disputes: 14 });
  });

  it('stops at a bad row naming file, line and field, and keeps nothing of that import', async () => {
    const dir = sampleCopy();
    // A valid change early in customers.csv that must be rolled back with the rest.
    const customers = readFileSync(path.join(dir, 'customers.csv'), 'utf8').replace('Acme Fabrication', 'Acme Renamed');
    writeFileSync(path.join(dir, 'customers.csv'), customers);
    const lines = readFileSync(path.join(dir, 'transactions.csv'), 'utf8').split('\n');
    lines[5] = lines[5]!.replace(/,(\d+\.\d\d),/, ',12x.50,');
    writeFileSync(path.join(dir, 'transactions.csv'), lines.join('\n'));
    const err = await importMirror(db.sql, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MirrorImportError);
    expect(err).toMatchObject({ file: 'transactions.csv', line: 6, field: 'foreigntotal' });
    expect((err as Error).message).toMatch(/transactions\.csv line 6: field foreigntotal must be an amount/);
    const [c] = await db.sql`SELECT companyname FROM customers WHERE id = 1001`;
    expect(c?.companyname).toBe('Acme Fabrication');
  });

  it('names a missing column and a bad enum value', async () => {
    const dir = sampleCopy();
    writeFileSync(path.join(dir, 'contacts.csv'), 'id,customer_id,name,role\n1,1001,A,AP\n');
    await expect(importMirror(db.sql, dir)).rejects.toThrow(/contacts\.csv: missing column\(s\) email/);
    const dir2 = sampleCopy();
    const disputes = readFileSync(path.join(dir2, 'ar_disputes.csv'), 'utf8').replace(',open,', ',pending,');
    writeFileSync(path.join(dir2, 'ar_disputes.csv'), disputes);
    await expect(importMirror(db.sql, dir2)).rejects.toThrow(/ar_disputes\.csv line 2: field status must be open, escalated, resolved or closed/);
  });

  it('rejects an impossible date and a duplicated id', async () => {
    const dir = sampleCopy();
    const pay = readFileSync(path.join(dir, 'customer_payments.csv'), 'utf8').replace('2026-04-26', '2026-02-30');
    writeFileSync(path.join(dir, 'customer_payments.csv'), pay);
    await expect(importMirror(db.sql, dir)).rejects.toThrow(/customer_payments\.csv line 2: field payment_date is not a real date/);
    const dir2 = sampleCopy();
    const cust = readFileSync(path.join(dir2, 'contacts.csv'), 'utf8').trimEnd().split(/\r?\n/);
    writeFileSync(path.join(dir2, 'contacts.csv'), [...cust, cust[1]].join('\n') + '\n');
    await expect(importMirror(db.sql, dir2)).rejects.toThrow(/contacts\.csv line 82: field id 5001 appears twice/);
  });
});
