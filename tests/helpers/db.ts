// A fresh database per test file, cloned from the migrated template that holds the sample mirror.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { sqlClient, type Sql } from '../../persistence/connect.ts';
import { migrate } from '../../persistence/migrate.ts';
import { withDatabase } from './global-setup.ts';

export interface TestDatabase {
  sql: Sql;
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** `mirror: false` gives a migrated database without the sample mirror; `migrated: false` an empty one. */
export async function createTestDatabase(opts: { mirror?: boolean; migrated?: boolean; max?: number } = {}): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const name = `disputeflow_t_${randomBytes(6).toString('hex')}`;
  const admin = sqlClient(adminUrl, 1);
  const fromTemplate = opts.mirror !== false && opts.migrated !== false;
  if (fromTemplate) await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
  else await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  const sql = sqlClient(url, opts.max ?? 10);
  if (!fromTemplate && opts.migrated !== false) await migrate(sql);
  return {
    sql,
    url,
    name,
    async drop() {
      await sql.end({ timeout: 2 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
