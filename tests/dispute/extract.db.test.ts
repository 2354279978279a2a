// The extraction step and the accuracy tool against a real PostgreSQL with the sample mirror.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, parseArgs, readCorpus, type Labeled } from '../../scripts/eval-emails.ts';
import { beginExtraction, extractDispute } from '../../steps/extract.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { CORPUS, extractInMemory, loadCorpus, loadMirror } from './helpers/mirror.ts';

const run = promisify(execFile);
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ mirror: true });
});
afterAll(async () => {
  await db?.drop();
});

describe('extractDispute against the mirror', () => {
  it('stays above the floors on the 45 labeled sample emails', async () => {
    const s = await evaluate(db.sql, readCorpus(CORPUS));
    expect(s.n).toBe(45);
    expect(s.accuracy.invoice_ref).toBeGreaterThanOrEqual(0.9);
    expect(s.accuracy.customer_id).toBeGreaterThanOrEqual(0.9);
    expect(s.accuracy.reason_code).toBeGreaterThanOrEqual(0.85);
  });

  it('returns exactly what the pure resolver returns over the CSVs', async () => {
    const mirror = loadMirror();
    for (const e of loadCorpus()) {
      const email = { from: e.from, to: e.to, subject: e.subject, body: e.body };
      expect(await extractDispute(db.sql, { email, reason_text: '' }), e.email_uuid).toEqual(extractInMemory(mirror, { email, reason_text: '' }));
    }
  });

  it('takes up an extraction begun for the same input, and reads afresh when it was begun for another', async () => {
    const [a, b] = loadCorpus().filter((e) => e.expected.customer_id !== null).slice(0, 2);
    const input = (e: typeof a) => ({ email: { from: e!.from, to: e!.to, subject: e!.subject, body: e!.body }, reason_text: '' });
    const ia = input(a), ib = input(b);
    const fresh = await extractDispute(db.sql, ia);
    expect(await extractDispute(db.sql, ia, beginExtraction(db.sql, ia))).toEqual(fresh);
    // Begun for another email (never the case in a start): not taken up, the input's own reading wins.
    expect(await extractDispute(db.sql, ia, beginExtraction(db.sql, ib))).toEqual(fresh);
    expect(fresh).not.toEqual(await extractDispute(db.sql, ib));
  });

  it('lets the triage event win and warns about the conflict', async () => {
    const x = await extractDispute(db.sql, {
      email: { from: 'james.okafor@bluewatermarine.example', subject: 'INV-004143', body: 'The price on INV-004143 is wrong.' },
      customer_id: 1002,
      invoice_ref: '4132',
      reason_text: 'pricing',
    });
    expect(x.customer_id).toBe(1002);
    expect(x.invoice_ref).toBe('INV-004132');
    expect(x.invoice_exists).toBe(true);
    expect(x.warnings.join(' ')).toMatch(/triage event says invoice 4132 but the email cites INV-004143/);
  });

  it('reads reason_text when there is no email', async () => {
    const x = await extractDispute(db.sql, { email: null, customer_id: 1017, reason_text: 'Customer says invoice 4454 was already paid by ACH-943358' });
    expect(x).toMatchObject({ customer_id: 1017, invoice_ref: 'INV-004454', invoice_exists: true, reason_code: 'PAID', payment_refs: ['ACH-943358'] });
  });

  it('infers the invoice from a PO once the customer is known', async () => {
    const x = await extractDispute(db.sql, {
      email: { from: 'maria.lopez@acmefabrication.example', subject: 'Freight', body: 'Our PO-86708 was a will-call; please remove the freight charge.' },
      reason_text: '',
    });
    expect(x.invoice_ref).toBe('INV-004108');
  });

  it('infers the invoice from a cited payment or an exact total', async () => {
    const byPayment = await extractDispute(db.sql, {
      email: { from: 'ap@driftwoodresorts.example', subject: 'Statement', body: 'We mailed check CHK-238366 on November 19; please apply it.' },
      reason_text: '',
    });
    expect(byPayment.invoice_ref).toBe('INV-004699');
    const byTotal = await extractDispute(db.sql, {
      email: { from: 'ap@quarrystonesupply.example', subject: 'Collections', body: 'The $12,182.51 invoice was paid by ACH on November 2.' },
      reason_text: '',
    });
    expect(byTotal.invoice_ref).toBe('INV-004454');
  });
});

describe('eval-emails CLI', () => {
  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/eval-emails.ts', ...args], { env: { ...process.env, DATABASE_URL: db.url } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints one JSON object with the accuracies and passes --check on the sample', async () => {
    const r = await cli([CORPUS, '--json', '--check']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['n', 'invoice_ref', 'customer_id', 'reason_code', 'disputed_amount', 'po_number', 'reason_model', 'reason_calibration', 'reason_calibration_equal_count', 'reason_ece']);
    expect(out.n).toBe(45);
    expect(out.invoice_ref).toBeGreaterThanOrEqual(0.9);
    expect(out.reason_model).toMatch(/^lr-/);
    expect(out.reason_calibration.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(45);
    expect(out.reason_calibration_equal_count.map((b: { count: number }) => b.count)).toEqual([11, 11, 11, 12]);
    expect(out.reason_ece).toBeGreaterThanOrEqual(0);
  });

  it('exits 1 when a target is missed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-'));
    const wrong: Labeled = { ...(readCorpus(CORPUS)[1] as Labeled) };
    wrong.expected = { ...wrong.expected, reason_code: 'DUP' };
    writeFileSync(join(dir, 'one.jsonl'), JSON.stringify(wrong) + '\n');
    const r = await cli([join(dir, 'one.jsonl'), '--json', '--min-reason-code', '0.95']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).reason_code).toBe(0);
    expect(r.stderr).toContain('reason_code accuracy 0.0000 is below the target 0.95');
  });

  it('prints a report with per-field accuracy, a calibration table and a confusion table', async () => {
    const r = await cli([CORPUS]);
    expect(r.stdout).toContain('reason confusion');
    expect(r.stdout).toMatch(/invoice_ref\s+\d+\.\d%/);
    expect(r.stdout).toMatch(/reason confidence calibration:\n\s+confidence\s+count\s+mean conf\s+accuracy\s+95% interval\s+gap\s+within/);
    expect(r.stdout).toMatch(/in 4 buckets of equal count:\n\s+equal count/);
    expect(r.stdout).toMatch(/expected calibration error \d+\.\d points over 45 predictions/);
  });

  it('reads the frozen held-out set by default, and works without a database on the sample mirror', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'scripts/eval-emails.ts', '--json'], { env: { ...process.env, DATABASE_URL: '' } });
    const out = JSON.parse(r.stdout);
    expect(out.n).toBe(32);
    expect(out.reason_code).toBeGreaterThanOrEqual(0.75);
    expect(out.customer_id).toBeGreaterThanOrEqual(0.9);
  });
});

describe('eval-emails arguments', () => {
  it('applies the CI defaults with --check and lets --min-* override one', () => {
    expect(parseArgs(['--check']).min).toEqual({ invoice_ref: 0.9, customer_id: 0.9, reason_code: 0.8 });
    expect(parseArgs(['--check', '--min-reason-code', '0.9']).min.reason_code).toBe(0.9);
    expect(parseArgs(['x.jsonl', '--min-disputed-amount', '0.8']).min).toEqual({ disputed_amount: 0.8 });
  });

  it('rejects unknown options and out-of-range targets with a message that names the fix', () => {
    expect(() => parseArgs(['--min-reason', '1'])).toThrow(/use --min-invoice-ref/);
    expect(() => parseArgs(['--min-reason-code', '95'])).toThrow(/between 0 and 1/);
  });
});
