// The source tree's import graph, read from the files themselves: every `import … from './…'`,
// `export … from './…'`, `import './…'` and `import('./…')` with a literal path. Relative paths are resolved
// to files; bare specifiers (packages, node:) are kept as they are. Type-only imports count too: a cycle
// through types is still two files that cannot be read apart.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Top-level folders of our own source; node_modules, vendor and build output are not read. */
export const SOURCE_FOLDERS = ['machines', 'dispute', 'steps', 'runtime', 'persistence', 'server', 'visualizer', 'tests', 'bench', 'scripts'];

// Statements start a line; the specifier is the first quoted string after `from`, `import` or `import(`.
// `[^'";]*?` cannot cross a string or a statement end, so each match is linear in its statement.
const STATIC = /^[ \t]*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*['"]([^'"\n]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

export interface ImportEdge {
  from: string;
  /** A path relative to ROOT for our files; the specifier itself for packages. */
  to: string;
  relative: boolean;
}

export function sourceFiles(dir: string = ROOT, folders: readonly string[] = SOURCE_FOLDERS): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = path.join(abs, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(?:ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path.relative(dir, p));
    }
  };
  for (const f of folders) {
    try {
      if (statSync(path.join(dir, f)).isDirectory()) walk(path.join(dir, f));
    } catch {
      // a folder this checkout does not have
    }
  }
  return out.sort();
}

/** Specifiers imported by one file's text (comments are not parsed; an import in a comment would count). */
export function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const re of [STATIC, DYNAMIC]) for (const m of text.matchAll(re)) found.push(m[1]!);
  return found;
}

export function importEdges(dir: string = ROOT, files: readonly string[] = sourceFiles(dir)): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of files) {
    for (const spec of specifiers(readFileSync(path.join(dir, file), 'utf8'))) {
      if (spec.startsWith('.')) edges.push({ from: file, to: path.normalize(path.join(path.dirname(file), spec)), relative: true });
      else edges.push({ from: file, to: spec, relative: false });
    }
  }
  return edges;
}

/** Every cycle's files in order (one per strongly connected component of more than one file, or a self-import). */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.relative) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components, iterative so deep chains cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work.at(-1)!;
      const targets = next.get(top.node) ?? [];
      if (top.i < targets.length) {
        const t = targets[top.i++]!;
        if (!index.has(t)) {
          index.set(t, counter);
          low.set(t, counter++);
          stack.push(t);
          onStack.add(t);
          work.push({ node: t, i: 0 });
        } else if (onStack.has(t)) low.set(top.node, Math.min(low.get(top.node)!, index.get(t)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work.at(-1)!.node, Math.min(low.get(work.at(-1)!.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          scc.push(n);
        } while (n !== top.node);
        if (scc.length > 1 || targets.includes(top.node)) cycles.push(scc.sort());
      }
    }
  }
  return cycles;
}

/** The top-level folder a path lives in ('server' for server/routes/runs.ts). */
export const folderOf = (file: string) => file.split(path.sep)[0]!;
