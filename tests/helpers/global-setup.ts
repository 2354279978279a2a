// Runs once per `vitest run`: finds a PostgreSQL server (TEST_DATABASE_URL, the local
// service on 127.0.0.1:5432, or else an embedded one), and builds a template database that is migrated
// and holds the sample mirror. Each test file then clones it (CREATE DATABASE … TEMPLATE), which is fast.
// It also builds dist/main.js from the sources, as `npm start` does: the tests that start the product run that.
import { createHash } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { sqlClient } from '../../persistence/connect.ts';
import { startEmbedded, type EmbeddedHandle } from '../../persistence/embedded.ts';
import { loadMigrations, migrate } from '../../persistence/migrate.ts';
import { importMirror } from '../../persistence/mirror/import.ts';
import { SAMPLE_MIRROR_DIR } from '../../persistence/mirror/sample.ts';
import { bundleServer } from '../../scripts/build.mjs';

let embedded: EmbeddedHandle | undefined;

async function reachable(url: string): Promise<boolean> {
  const sql = sqlClient(url, 1);
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function findServer(): Promise<string> {
  // Never DATABASE_URL: tests create and drop databases, which is not for the database the product uses.
  const given = process.env.TEST_DATABASE_URL;
  if (given) return given;
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await reachable(local)) return local;
  embedded = await startEmbedded('.data/test', (m) => console.log(m));
  return embedded.url;
}

export default async function setup(project: TestProject) {
  await bundleServer();
  const adminUrl = await findServer();
  const fingerprint = createHash('sha256')
    .update(loadMigrations().map((m) => m.checksum).join())
    .digest('hex')
    .slice(0, 10);
  const template = `disputeflow_tpl_${fingerprint}_${process.pid}`;
  const admin = sqlClient(adminUrl, 1);
  await admin.unsafe(`DROP DATABASE IF EXISTS ${template}`);
  await admin.unsafe(`CREATE DATABASE ${template}`);
  const tpl = sqlClient(withDatabase(adminUrl, template), 2);
  await migrate(tpl);
  await importMirror(tpl, SAMPLE_MIRROR_DIR);
  await tpl.end();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', template);
  return async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
  };
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}
