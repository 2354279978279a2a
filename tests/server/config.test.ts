import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';

const base = { WEBHOOK_SECRET: 'a-webhook-secret-of-length', APPROVER_TOKENS: 'mike:a-token-of-length-16+' };

describe('configuration', () => {
  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/PORT must be a whole number|PORT/);
    expect(() => loadConfig({ ...base, APPROVER_TOKENS: 'mike' })).toThrow(/APPROVER_TOKENS must be name:token/);
    expect(() => loadConfig({ ...base, VERIFY_SCHEDULE: 'every hour' })).toThrow(/VERIFY_SCHEDULE must be a 5-field cron expression/);
    expect(() => loadConfig({ ...base, PRECONDITION_SEVERITY: 'invoice_exists=fatal' })).toThrow(/PRECONDITION_SEVERITY/);
    expect(() => loadConfig({ ...base, NOTIFY_WEBHOOK_URL: 'ftp://x' })).toThrow(/NOTIFY_WEBHOOK_URL/);
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'has a space in it, long' })).toThrow(/METRICS_TOKEN must not contain spaces/);
    expect(() => loadConfig({ ...base, ENGINE_BATCH: '0' })).toThrow(/ENGINE_BATCH/);
    expect(() => loadConfig({ ...base, ENGINE_TRANSACTIONS: '2.5' })).toThrow(/ENGINE_TRANSACTIONS must be a whole number/);
    expect(() => loadConfig({ ...base, ENGINE_TRANSACTIONS: '10' })).toThrow(/ENGINE_TRANSACTIONS must be below DB_POOL_MAX \(10\)/);
    expect(() => loadConfig({ ...base, DB_POOL_MAX: '4', ENGINE_TRANSACTIONS: '4' })).toThrow(/ENGINE_TRANSACTIONS must be below DB_POOL_MAX \(4\)/);
  });

  it('parses approvers, severities and defaults', () => {
    const c = loadConfig({ ...base, APPROVER_TOKENS: 'mike:a-token-of-length-16+,ana:another-token-0123456', PRECONDITION_SEVERITY: 'invoice_exists=block' });
    expect([...c.approvers.entries()]).toEqual([['a-token-of-length-16+', 'mike'], ['another-token-0123456', 'ana']]);
    expect(c).toMatchObject({ port: 3000, verifySchedule: '8,38 * * * *', preconditionSeverity: { invoice_exists: 'block' }, generatedSecretsFile: null });
    expect(c.metricsToken).toBeUndefined();
    expect(c).toMatchObject({ engineBatch: 8, engineTransactions: 2 });
    expect(loadConfig({ ...base, ENGINE_BATCH: '1', ENGINE_TRANSACTIONS: '9' })).toMatchObject({ engineBatch: 1, engineTransactions: 9 });
    expect(loadConfig({ ...base, METRICS_TOKEN: 'scraper-token-0123456789' }).metricsToken).toBe('scraper-token-0123456789');
  });

  it('generates development secrets once, into a private file, and reuses them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.webhookSecret).toBe(b.webhookSecret);
    expect(a.webhookSecret).toHaveLength(48);
    const file = path.join(dir, 'dev-secrets.json');
    expect(a.generatedSecretsFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).approver).toBe('mike');
  });
});
