// Loads NetSuite saved-search CSV exports into the mirror: every row validated, all files in one
// transaction, so a bad row stops the import with file, line and field named and nothing is kept.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import type { Sql, Tx } from '../connect.ts';
import { IMPORT_ORDER, MIRROR_TABLES, columnsOf, type MirrorTable } from './tables.ts';

export class MirrorImportError extends Error {
  readonly code = 'mirror_import_error';
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type ImportCounts = Partial<Record<MirrorTable, number>>;
const BATCH = 500;

/** Imports every `<table>.csv` present in `folder` (upsert by id). Returns rows per table. */
export async function importMirror(sql: Sql, folder: string): Promise<ImportCounts> {
  if (!existsSync(folder)) throw new MirrorImportError(`folder ${folder} does not exist`, folder);
  const present = IMPORT_ORDER.filter((t) => existsSync(path.join(folder, `${t}.csv`)));
  if (present.length === 0) {
    throw new MirrorImportError(`no mirror files in ${folder}: expected one or more of ${IMPORT_ORDER.map((t) => `${t}.csv`).join(', ')}`, folder);
  }
  const counts: ImportCounts = {};
  await sql.begin(async (tx) => {
    for (const table of present) counts[table] = await importFile(tx, table, path.join(folder, `${table}.csv`));
  });
  return counts;
}

async function importFile(sql: Tx, table: MirrorTable, file: string): Promise<number> {
  const schema = MIRROR_TABLES[table];
  const columns = columnsOf(table);
  const name = path.basename(file);
  const parser = createReadStream(file).pipe(
    parse({ columns: true, bom: true, trim: true, skip_empty_lines: true, info: true, relax_column_count: false }),
  );
  let batch: Record<string, unknown>[] = [];
  let count = 0;
  let headerChecked = false;
  const seen = new Set<number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!headerChecked) {
        const missing = columns.filter((c) => !(c in record));
        if (missing.length) throw new MirrorImportError(`${name}: missing column(s) ${missing.join(', ')}`, name, 1, missing[0]);
        headerChecked = true;
      }
      const parsed = schema.safeParse(record);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = String(issue.path[0] ?? '');
        throw new MirrorImportError(
          `${name} line ${info.lines}: field ${field} ${issue.message} (got ${JSON.stringify(record[field] ?? null)})`,
          name,
          info.lines,
          field,
        );
      }
      const row = parsed.data as Record<string, unknown> & { id: number };
      if (seen.has(row.id)) throw new MirrorImportError(`${name} line ${info.lines}: field id ${row.id} appears twice`, name, info.lines, 'id');
      seen.add(row.id);
      batch.push(row);
      if (batch.length >= BATCH) {
        count += await upsert(sql, table, columns, batch);
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof MirrorImportError) throw err;
    const e = err as { code?: string; lines?: number; message?: string };
    if (e.code?.startsWith('CSV_')) throw new MirrorImportError(`${name} line ${e.lines ?? '?'}: ${e.message}`, name, e.lines);
    throw err;
  }
  if (batch.length) count += await upsert(sql, table, columns, batch);
  return count;
}

async function upsert(sql: Tx, table: MirrorTable, columns: string[], rows: Record<string, unknown>[]): Promise<number> {
  // "col = excluded.col, …" as nested fragments: every column name is quoted as an identifier.
  const updates = columns
    .filter((c) => c !== 'id')
    .map((c) => sql`${sql(c)} = excluded.${sql(c)}`)
    .reduce((list, one) => sql`${list}, ${one}`);
  await sql`
    INSERT INTO ${sql(table)} ${sql(rows as never, columns)}
    ON CONFLICT (id) DO UPDATE SET ${updates}`;
  return rows.length;
}

export async function mirrorIsEmpty(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM (SELECT 1 FROM customers LIMIT 1) c`;
  return (row?.n ?? 0) === 0;
}
