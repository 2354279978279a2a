// No object literal of the product begins with a spread and goes on (`{ ...row, etag }`, `{ ...a, ...b }`). On
// Node 20 (V8 11) each property the rest of the literal adds to the copy goes through a slow path that builds a
// new hidden class every time: about 1 µs per property added, where the whole literal written out takes 0.03 µs
// and the spread alone 0.05 (bench/spreads.ts measures it). The reader made such literals for every invoice
// number and amount it found, the engine for every run it saved. `Object.assign({}, row, { etag })` gives the same
// keys in the same order at a tenth of the cost; a spread alone (`{ ...row }`), or one after a named property
// (`{ id, ...row }`), is fast and allowed. Tests, benchmarks and scripts are not the product and are not read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './imports.ts';

const PRODUCT = ['machines', 'dispute', 'steps', 'runtime', 'persistence', 'server'];

/** Lines of `source` (a TypeScript file) where an object literal starts with a spread and has more after it. */
export function slowSpreads(source: string, file = 'x.ts'): { line: number; text: string }[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const hits: { line: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const [first] = node.properties;
      if (first && ts.isSpreadAssignment(first) && node.properties.length > 1) {
        hits.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.getText(sf).replace(/\s+/g, ' ').slice(0, 100) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return hits;
}

describe('object literals that begin with a spread', () => {
  it('are found, nested and across lines, and the fast forms are left alone', () => {
    const source = [
      'const a = { ...row, etag };',
      'const b = f({',
      '  ...base,',
      '  at: now,',
      '});',
      'const c = { x: 1, ...row, y: 2 };',
      'const d = { ...a, ...b };',
      'const e = Object.assign({}, row, { etag });',
      'const g = { outer: { ...inner, k: 1 } };',
      'const h = { ...row };',
    ].join('\n');
    expect(slowSpreads(source).map((h) => h.line)).toEqual([1, 2, 7, 9]);
  });

  it('are not written in the product', () => {
    const files = sourceFiles(ROOT, PRODUCT).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) => slowSpreads(readFileSync(path.join(ROOT, f), 'utf8'), f).map((h) => `${f}:${h.line}  ${h.text}`));
    expect(found).toEqual([]);
  });
});
