// The zero-setup default: no DATABASE_URL → embedded PostgreSQL under DATA_DIR. It must start, migrate,
// load the sample mirror, serve, survive a SIGKILL of the parent (the orphaned postmaster is stopped on the
// next start), and shut down gracefully on SIGTERM.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sign } from '../../server/auth.ts';
import { startProduct, type Child } from '../helpers/process.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'disputeflow-embedded-'));
const env = { DATABASE_URL: undefined, DATA_DIR: dataDir, WEBHOOK_SECRET: undefined, APPROVER_TOKENS: undefined };
let child: Child | undefined;

afterAll(async () => {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGTERM');
    await child.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded PostgreSQL default', () => {
  it('starts on a fresh DATA_DIR with the sample mirror and takes a signed triage event', async () => {
    child = await startProduct(env);
    const secrets = JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8'));
    const body = JSON.stringify({ email_uuid: 'embedded-1', reason_text: 'Invoice INV-004143 is priced above our contract.', customer_id: 1002 });
    const res = await fetch(`${child.url}/webhooks/triage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': sign(secrets.webhook_secret, body) },
      body,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'awaiting_approval' });
    expect(child.output()).toContain('loaded the sample mirror');
    expect(child.output()).not.toContain(secrets.webhook_secret);
    expect(child.output()).not.toContain(secrets.approver_token);
  });

  it('comes back after a SIGKILL left the embedded postmaster orphaned, with the run still there', async () => {
    child!.proc.kill('SIGKILL');
    await child!.exited;
    const pid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(() => process.kill(pid, 0)).not.toThrow(); // the orphan is alive and holds the data directory
    child = await startProduct(env);
    expect(child.output()).toContain('orphaned embedded PostgreSQL');
    const secrets = JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8'));
    const runs = await fetch(`${child.url}/runs`, { headers: { authorization: `Bearer ${secrets.approver_token}` } });
    const list = (await runs.json()) as { items: { email_uuid: string; status: string }[] };
    expect(list.items).toEqual([expect.objectContaining({ email_uuid: 'embedded-1', status: 'awaiting_approval' })]);
    expect(child.output()).not.toContain('loaded the sample mirror');
  });

  it('shuts down gracefully on SIGTERM and stops its PostgreSQL', async () => {
    const pid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    child!.proc.kill('SIGTERM');
    expect(await child!.exited).toBe(0);
    expect(child!.output()).toContain('"msg":"stopped"');
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
