// All SQL lives in persistence/ (DESIGN.md's layout table): a query written anywhere else — a tagged
// template on a postgres.js handle (`sql\`…\``, `tx\`…\``, `deps.sql<Row[]>\`…\``) or `.unsafe(…)` — fails
// this test, naming the file and line. Migrations (sql/), tests and benchmarks may hold SQL; vendor/ is
// postgres.js itself.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Where SQL may be written; and dist/, the build output (scripts/build.mjs bundles persistence/ into it), and .scratch/ (ignored by git). */
const SQL_HOMES = new Set(['persistence', 'sql', 'tests', 'bench', 'vendor', 'node_modules', '.git', '.data', '.stryker-tmp', 'reports', 'dist', '.scratch']);
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** A postgres.js handle used as a template tag (with or without a row type), or its `unsafe`. */
const TAGGED = /\b(?:sql|tx|sp|db)\s*(?:<[^`;()]*>)?\s*`/g;
const UNSAFE = /\.unsafe\s*\(/g;

export interface SqlHit {
  line: number;
  text: string;
}

/** Every line of `source` that writes a query. */
export function findSql(source: string): SqlHit[] {
  const hits: SqlHit[] = [];
  source.split('\n').forEach((text, i) => {
    TAGGED.lastIndex = 0;
    UNSAFE.lastIndex = 0;
    if (TAGGED.test(text) || UNSAFE.test(text)) hits.push({ line: i + 1, text: text.trim().slice(0, 120) });
  });
  return hits;
}

function sourceFiles(dir: string, top = true, skip: ReadonlySet<string> = SQL_HOMES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return top && skip.has(e.name) ? [] : sourceFiles(path.join(dir, e.name), false, skip);
    return e.isFile() && SOURCE.test(e.name) ? [path.join(dir, e.name)] : [];
  });
}

describe('SQL lives in persistence/', () => {
  it('the scanner finds a query in every form the code base writes one', () => {
    const planted = [
      'const rows = await deps.sql`SELECT id FROM alerts`;',
      "await c.tx`INSERT INTO alerts (kind) VALUES ('x')`;",
      'return sql<Raw[]>`SELECT 1`;',
      'const [row]: [Row?] = await tx `SELECT 1`;',
      'await sp.unsafe(text, params);',
      "WHERE true ${q.run_id ? sql`AND run_id = ${q.run_id}` : sql``}",
    ];
    for (const line of planted) expect(findSql(`// a planted file\n${line}\n`), line).toEqual([{ line: 2, text: line }]);
  });

  it('the scanner leaves code without queries alone', () => {
    const clean = [
      "const q = CONTRACT.context_queries.invoice; // 'SELECT … FROM transactions'",
      'const msg = `sql check ${name} failed`;',
      'await runNamedQuery(sql, Q.invoice, [ref]);',
      'const total = results.length; // not a query',
    ];
    for (const line of clean) expect(findSql(line), line).toEqual([]);
  });

  it('no source file outside persistence/, sql/, tests/ and bench/ writes a query', () => {
    const files = sourceFiles(ROOT);
    // The walk must reach the folders it guards (a wrong root would pass vacuously).
    for (const folder of ['runtime', 'steps', 'server', 'machines', 'dispute', 'scripts']) {
      expect(files.some((f) => path.relative(ROOT, f).startsWith(`${folder}${path.sep}`)), folder).toBe(true);
    }
    const found = files.flatMap((f) => findSql(readFileSync(f, 'utf8')).map((h) => `${path.relative(ROOT, f)}:${h.line}: ${h.text}`));
    expect(found, 'move these queries into a per-table module under persistence/').toEqual([]);
  });

  it('one module raises alerts: INSERT INTO alerts is written once, in persistence/alerts.ts', () => {
    const notCode = new Set([...SQL_HOMES].filter((d) => d !== 'persistence'));
    const writers = sourceFiles(ROOT, true, notCode)
      .filter((f) => /INSERT\s+INTO\s+alerts\b/i.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(writers).toEqual([path.join('persistence', 'alerts.ts')]);
  });
});
