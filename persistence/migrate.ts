// Numbered SQL migrations (sql/migrations/NNNN_name.sql), each applied in its own transaction with its
// version row, under an advisory lock so that several processes starting at once apply each exactly once.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Sql } from './connect.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../sql/migrations/', import.meta.url));
const LOCK_KEY = 0x64697370; // 'disp'

export interface Migration {
  version: number;
  name: string;
  text: string;
  checksum: string;
}

/**
 * Checksums of texts that a released migration had before it was edited in place, which it never should
 * have been. A database that applied one of them is accepted, and a later migration brings it to the schema
 * of the current text (0002_reconcile_init.sql). Never remove an entry: such databases would stop starting.
 * Anything else that differs from the file is refused. tests/persistence/fixtures/ holds these texts.
 */
export const SUPERSEDED_CHECKSUMS: Readonly<Record<number, Readonly<Record<string, string>>>> = {
  1: {
    // b1d2241: runs.idempotency_key, a decision check without 'expired', no sender-domain indexes
    '7738d8fbfa288ed1135f653f5c38da0035f02c5ca09aa2f75f923dfe601672a8': '0001_init.sql as of b1d2241',
    // f5f799c: runs.idempotency_key, no sender-domain indexes
    '5bcc57bf560db46529dc6750b1f823f11a087f4db4ce1b049c9eb20383b1f1cf': '0001_init.sql as of f5f799c',
    // 2e5743f: no sender-domain indexes (and without the comment that explains them)
    'efdb519d66e49d9f11296d5bc82d99256a6108a139033e55fc0cb5be6e0e5fc8': '0001_init.sql as of 2e5743f',
  },
};

export class MigrationError extends Error {
  readonly code = 'migration_error';
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file, i) => {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file ${file} must be named NNNN_name.sql`);
    const version = Number(m[1]);
    if (version !== i + 1) throw new MigrationError(`migration ${file} is out of sequence: expected version ${i + 1}`);
    const text = readFileSync(dir + file, 'utf8');
    return { version, name: m[2]!, text, checksum: createHash('sha256').update(text).digest('hex') };
  });
}

export interface MigrationStatus {
  applied: number;
  latest: number;
}

export async function migrationStatus(sql: Sql, migrations = loadMigrations()): Promise<MigrationStatus> {
  const latest = migrations.length;
  const [exists] = await sql<{ t: string | null }[]>`SELECT to_regclass('schema_migrations')::text AS t`;
  if (!exists?.t) return { applied: 0, latest };
  const [row] = await sql<{ v: number | null }[]>`SELECT max(version)::int AS v FROM schema_migrations`;
  return { applied: row?.v ?? 0, latest };
}

/**
 * Applies what is missing, each migration in its own transaction with its version row written first.
 * Refuses a database that is ahead of this code or whose applied history was edited.
 */
export async function migrate(sql: Sql, migrations = loadMigrations()): Promise<number[]> {
  const applied: number[] = [];
  for (;;) {
    const next = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
      await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
      const rows = await tx<{ version: number; name: string; checksum: string }[]>`
        SELECT version, name, checksum FROM schema_migrations ORDER BY version`;
      checkHistory(rows, migrations);
      const m = migrations[rows.length];
      if (!m) return null;
      await tx`INSERT INTO schema_migrations (version, name, checksum) VALUES (${m.version}, ${m.name}, ${m.checksum})`;
      await tx.unsafe(m.text);
      return m.version;
    });
    if (next === null) return applied;
    applied.push(next);
  }
}

function checkHistory(rows: { version: number; name: string; checksum: string }[], migrations: Migration[]): void {
  const latest = migrations.length;
  for (const row of rows) {
    if (row.version > latest) {
      throw new MigrationError(
        `database is at migration ${rows.at(-1)!.version} but this code only knows ${latest}: ` +
          `run a newer disputeflow against it, or point DATABASE_URL at another database`,
      );
    }
    const known = migrations[row.version - 1]!;
    if (known.checksum !== row.checksum && !SUPERSEDED_CHECKSUMS[row.version]?.[row.checksum]) {
      throw new MigrationError(
        `migration ${String(row.version).padStart(4, '0')}_${row.name} was edited after it was applied; add a new migration instead`,
      );
    }
  }
}
