// The zero-setup default: no DATABASE_URL → embedded PostgreSQL under DATA_DIR. It must start, migrate,
// load the sample mirror, serve, survive a SIGKILL of the parent (the orphaned postmaster is stopped on the
// next start), and shut down gracefully on SIGTERM. Each data folder has its own random PostgreSQL password,
// private and never printed; a folder made with the fixed password of earlier versions still starts.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE, LEGACY_PASSWORD, socketFits, startEmbedded } from '../../persistence/embedded.ts';
import { connect } from '../../persistence/connect.ts';
import { migrate } from '../../persistence/migrate.ts';
import { sign } from '../../server/auth.ts';
import { startProduct, type Child } from '../helpers/process.ts';
import { startEmbedded as startEmbeddedBefore } from './fixtures/embedded.bf8a98d.ts';

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

  it('gives the data folder its own PostgreSQL password, private and never printed', async () => {
    const { password, mode } = credentialsOf(dataDir);
    expect(mode).toBe(0o600);
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(child!.output()).not.toContain(password);
    expect(await logIn(dataDir, password)).toBe('ok');
    expect(await logIn(dataDir, LEGACY_PASSWORD)).toBe('28P01');
  });

  it('comes back after a SIGKILL left the embedded postmaster orphaned, with the run and the password still there', async () => {
    const { password } = credentialsOf(dataDir);
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
    expect(credentialsOf(dataDir)).toEqual({ password, mode: 0o600 });
    expect(await logIn(dataDir, password)).toBe('ok');
  });

  it('shuts down gracefully on SIGTERM and stops its PostgreSQL', async () => {
    const pid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    child!.proc.kill('SIGTERM');
    expect(await child!.exited).toBe(0);
    expect(child!.output()).toContain('"msg":"stopped"');
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('embedded PostgreSQL of a data folder made before passwords were per folder', () => {
  const oldDir = mkdtempSync(path.join(tmpdir(), 'disputeflow-embedded-old-'));
  let old: Child | undefined;
  afterAll(async () => {
    if (old && old.proc.exitCode === null) {
      old.proc.kill('SIGTERM');
      await old.exited;
    }
    rmSync(oldDir, { recursive: true, force: true });
  });

  it('starts, with the fixed password replaced by a random one of its own, and keeps the data', async () => {
    // The data folder as the earlier code made it: the fixed password, and something stored in it.
    const before = await startEmbeddedBefore(oldDir, () => {});
    const sql = postgres(before.url, { max: 1, onnotice: () => {} });
    await sql`CREATE TABLE kept (note text)`;
    await sql`INSERT INTO kept VALUES ('made by the earlier version')`;
    await sql.end();
    await before.stop();
    expect(existsSync(path.join(oldDir, CREDENTIALS_FILE))).toBe(false);

    old = await startProduct({ ...env, DATA_DIR: oldDir });
    const { password, mode } = credentialsOf(oldDir);
    expect(mode).toBe(0o600);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(old.output()).toContain('had the fixed password of earlier versions');
    expect(old.output()).not.toContain(password);
    expect(await logIn(oldDir, LEGACY_PASSWORD)).toBe('28P01');
    expect(await logIn(oldDir, password, 'SELECT note FROM kept', 'disputeflow')).toBe('ok');
    old.proc.kill('SIGTERM');
    expect(await old.exited).toBe(0);
  });

  it('listens on a Unix socket in its data directory, which connect() uses (TCP stays for tools)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'disputeflow-embedded-sock-'));
    try {
      const db = await connect({ dataDir: dir });
      try {
        const [s] = await db.sql<{ addr: string | null }[]>`SELECT inet_client_addr()::text AS addr`;
        expect(s!.addr).toBeNull(); // no client address: a Unix-socket session
        const tcp = postgres(db.url, { max: 1, onnotice: () => {} });
        const [t] = await tcp<{ addr: string | null }[]>`SELECT host(inet_client_addr()) AS addr`;
        await tcp.end();
        expect(t!.addr).toBe('127.0.0.1');
        // Migration 0008 asks for lz4 on the run documents and, on a server built without it (this embedded one
        // is), leaves pglz: migrated either way, and the columns say lz4 exactly when the server has it.
        expect(await migrate(db.sql)).toContain(8);
        const hasLz4 = await db.sql.begin(async (tx) => {
          await tx`CREATE TEMP TABLE lz4_probe (j jsonb COMPRESSION lz4)`;
          return true;
        }).catch((err: { code?: string }) => (err.code === '0A000' ? false : Promise.reject(err)));
        const [c] = await db.sql<{ method: string }[]>`SELECT attcompression::text AS method FROM pg_attribute WHERE attrelid = 'runs'::regclass AND attname = 'snapshot'`;
        expect(c!.method).toBe(hasLz4 ? 'l' : '');
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(socketFits('/x'.repeat(60))).toBe(false);
    expect(socketFits('/srv/a,b')).toBe(false);
    expect(socketFits('/srv/data/pg')).toBe(true);
  });

  it('finishes setting up a cluster whose first start was cut short before its password was set', async () => {
    // What a crash right after initdb leaves: the role still has the one-time password, no database yet.
    const dir = mkdtempSync(path.join(tmpdir(), 'disputeflow-embedded-cut-'));
    try {
      let pg = await startEmbedded(dir, () => {});
      const { password } = credentialsOf(dir);
      const initial = 'ab'.repeat(24);
      const sql = postgres(pg.url.replace(/\/disputeflow$/, '/postgres'), { max: 1, onnotice: () => {} });
      await sql.unsafe('DROP DATABASE disputeflow');
      await sql.unsafe(`ALTER ROLE disputeflow PASSWORD '${initial}'`);
      await sql.end();
      await pg.stop();
      writeFileSync(path.join(dir, CREDENTIALS_FILE), JSON.stringify({ password, initial_password: initial }), { mode: 0o600 });

      pg = await startEmbedded(dir, () => {});
      expect(JSON.parse(readFileSync(path.join(dir, CREDENTIALS_FILE), 'utf8'))).toEqual({ password });
      expect(await logIn(dir, password, 'SELECT 1', 'disputeflow')).toBe('ok');
      expect(await logIn(dir, initial)).toBe('28P01');
      await pg.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function credentialsOf(dir: string): { password: string; mode: number } {
  const file = path.join(dir, CREDENTIALS_FILE);
  return { password: JSON.parse(readFileSync(file, 'utf8')).password, mode: statSync(file).mode & 0o777 };
}

/** Logs in to the running embedded PostgreSQL of `dir` (its port from postmaster.pid): 'ok' or the error code. */
async function logIn(dir: string, password: string, query = 'SELECT 1', database = 'postgres'): Promise<string> {
  const port = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const sql = postgres({ host: '127.0.0.1', port, user: 'disputeflow', password, database, max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(query);
    return 'ok';
  } catch (err) {
    return String((err as { code?: string }).code ?? err);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
