// `npm run build` (and `prestart`): the server as one JavaScript file, dist/main.js, run by plain `node`.
// Why: under `tsx` every process carries tsx's module loader, a thread with a V8 heap of its own (about 40 MB
// of RSS; Node 20 cannot strip types itself), and loads TypeScript through it. Packages stay outside the
// bundle (node_modules is beside it). Each source file's `import.meta.url` is rewritten to that file's own
// address, relative to the bundle, so that the paths our modules resolve from it (sql/migrations, the sample
// mirror, visualizer/) stay what they are under tsx. The build takes well under a second.
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * How node runs the bundle (package.json's start and worker scripts say the same): stack traces in the
 * TypeScript's lines, and a young generation of at most 4 MB per semi-space instead of 16. The server's requests
 * allocate a lot that dies young (a page of 200 proposals with their runs is about 1 MB of JSON); with 16 MB
 * semi-spaces the young generation alone grew to 32 MB and stayed there. Measured (bench/scale.ts, a million
 * runs, 100,000 awaiting approval): 132 → 126 MB idle and 230 → 159 MB after walking the approvals queue, with
 * the same request latencies. It costs the engine CPU: scavenging is 0.4–0.5 ms of a start at 4 MB and about
 * 0.3 at 8 (BENCHMARKS.md, rounds 17 and 18), but 8 MB put the walk's RSS over issue 13's 200 MB: 223 MB in round
 * 17 (300,000 runs), and on fresh million-run loads in round 18 205 MB against 151 with 4.
 */
export const NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=4'];

/** `import.meta.url` in a source file → the URL of that file, computed from the bundle's own. */
const ownUrl = (outfile) => ({
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = path.relative(path.dirname(outfile), args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
});

/**
 * Bundles one entry point (a path from the project's root) into outfile (likewise). The files are written
 * beside their names and renamed over them, so that a process starting while another builds reads either the
 * old bundle or the new one, never half of one.
 */
export async function bundle(entry, out) {
  const outfile = path.join(root, out);
  const result = await build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
    plugins: [ownUrl(outfile)],
    banner: { js: `// Built by scripts/build.mjs from ${entry}: edit the TypeScript, not this file.` },
  });
  mkdirSync(path.dirname(outfile), { recursive: true });
  // The source map first: the bundle names it, and is the file a starting process looks for.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === outfile) - Number(b.path === outfile));
  for (const f of files) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return outfile;
}

/** The server: server/main.ts into dist/main.js, what `npm start` runs. */
export const bundleServer = () => bundle('server/main.ts', 'dist/main.js');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await bundleServer();
  if (process.argv.includes('--verbose')) console.log(`dist/main.js built in ${Date.now() - started} ms`);
}
