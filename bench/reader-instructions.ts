// The email reader's cost in machine instructions, which unlike its time does not move with the machine's state:
// on this shared machine the same code measures 10–25 % apart in CPU time from one minute to the next, so a
// change of a few percent to the reader cannot be seen in milliseconds. valgrind (callgrind) counts the
// instructions of a process that reads the labeled emails (data/emails/sample.jsonl) through the pure half of the
// extraction (prepareExtraction), under `node --single-threaded --predictable` (V8 compiles and collects on the
// main thread). Two processes, run side by side, read the emails WARM + MORE times and WARM times; the difference,
// per email, is the figure. Two runs side by side give the same count within a few thousand instructions of
// billions; a run alone can differ by a percent or two (V8 still consults the clock here and there; adding
// `--predictable-gc-schedule` made it worse), so compare two builds by running this in both checkouts at the
// same time. What V8 compiles during the measured passes counts too, so a change that reshapes hot code can move
// the figure either way, and the figure belongs to this script (another harness around the same reader counts
// differently): confirm a gain in the side-by-side (bench/run.ts).
//
// Usage: tsx bench/reader-instructions.ts   (needs valgrind; about 2 minutes, two cores)
// READER_EMAILS (60), READER_WARM (2) and READER_MORE (4) size it. Not part of `npm run bench`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle } from '../scripts/build.mjs';

const EMAILS = Number(process.env.READER_EMAILS ?? 60);
const WARM = Number(process.env.READER_WARM ?? 2);
const MORE = Number(process.env.READER_MORE ?? 4);

if (process.env.READER_PASSES) {
  // The child: read the first EMAILS labeled emails READER_PASSES times.
  const { prepareExtraction } = await import('../dispute/extract.ts');
  const file = new URL('../data/emails/sample.jsonl', import.meta.url);
  const emails = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).slice(0, EMAILS)
    .map((l) => JSON.parse(l) as { from: string; subject: string; body: string });
  for (let p = 0; p < Number(process.env.READER_PASSES); p++) {
    for (const e of emails) prepareExtraction({ email: { from: e.from, subject: e.subject, body: e.body }, reason_text: '' });
  }
} else {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('bench/reader-instructions.ts needs valgrind (Debian: apt-get install valgrind)');
  }
  const out = 'dist/bench/reader-instructions.js';
  await bundle('bench/reader-instructions.ts', out);
  const dir = mkdtempSync(path.join(tmpdir(), 'reader-instructions-'));
  const count = (passes: number) =>
    new Promise<number>((resolve, reject) => {
      const p = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${path.join(dir, `cg.${passes}`)}`, process.execPath, '--single-threaded', '--predictable', out], {
        env: { ...process.env, READER_PASSES: String(passes) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      p.on('error', reject);
      p.on('exit', (code) => {
        const m = /Collected : (\d+)/.exec(err);
        if (code === 0 && m) resolve(Number(m[1]));
        else reject(new Error(`valgrind exited ${code}: ${err.slice(-400)}`));
      });
    });
  try {
    // Side by side, under the same conditions.
    const [base, more] = await Promise.all([count(WARM), count(WARM + MORE)]);
    const per = Math.round((more - base) / (MORE * EMAILS));
    console.log(`reader: ${per.toLocaleString('en')} instructions per email (${EMAILS} labeled emails, ${MORE} passes after ${WARM}; node --single-threaded --predictable under callgrind)`);
    console.log(JSON.stringify({ instructions_per_email: per, emails: EMAILS, warm_passes: WARM, measured_passes: MORE }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
