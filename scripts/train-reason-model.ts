// Trains the reason model (dispute/reason/softmax.ts over the features of dispute/reason/signals.ts) and
// writes dispute/reason/model.json. Deterministic: the same examples give the same file, byte for byte.
//
//   npm run train:reasons                 train on data/emails/ (all but heldout.jsonl and any blind*.jsonl)
//                                         and the labeled phrasings of tests/dispute/, write model.json
//   npm run train:reasons -- --from-db    also every run the approver corrected in the database at
//                                         DATABASE_URL (GET /corrections: the email and the accepted reason)
//   npm run train:reasons -- --check      exit 1 when the shipped model.json differs from a fresh training
//   npm run train:reasons -- --dry-run    train and report, write nothing
//   npm run train:reasons -- --list       list the training examples (corpus, label; each corrected run by
//                                         id) without training
//   --l2 x --steps n --rate x --min-count n   other training options (the defaults are in softmax.ts)
//
// Calibration: each corpus in turn is left out, the model trained on the rest scores it, and the temperature
// that makes those out-of-corpus scores honest probabilities is fitted on them; the held-out set
// (data/emails/heldout.jsonl) is never read here, neither for training nor for calibration.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { reasonInputOf } from '../dispute/extract.ts';
import { readEmail } from '../dispute/read/email.ts';
import { reasonFeatures } from '../dispute/reason/classify.ts';
import type { ModelFile } from '../dispute/reason/model.ts';
import { calibrationError, calibrationTable, DEFAULTS, equalCountTable, fitTemperature, logits, probabilities, train, wilson, type CalibrationRow, type Example, type TrainOptions } from '../dispute/reason/softmax.ts';
import { isReasonCode, REASON_CODES, type ReasonCode } from '../dispute/types.ts';
import { PHRASINGS } from '../tests/dispute/phrasings.ts';
import { TRADE_CASES } from '../tests/dispute/trade-cases.ts';

const ROOT = join(import.meta.dirname, '..');
export const MODEL_PATH = join(ROOT, 'dispute/reason/model.json');
export const DATA_DIR = join(ROOT, 'data/emails');
/**
 * Never trained, tuned or calibrated on: heldout.jsonl is the frozen yardstick, and a blind set (blind.jsonl,
 * blind-2.jsonl, …: written apart by someone who never read the reader) is not ours to read until it has been
 * measured and renamed into a training corpus (as blind.jsonl became fresh-7.jsonl).
 */
export const isExcluded = (file: string): boolean => file === 'heldout.jsonl' || /^blind.*\.jsonl$/i.test(file);
const CLASSES = [...REASON_CODES];

export interface Corpus {
  name: string;
  examples: Example[];
  /** Where each example came from, when a corpus has ids worth listing (the corrected runs). */
  sources?: string[];
}

export function exampleOf(code: ReasonCode, email: { from: string; subject: string; body: string }): Example {
  const { features } = reasonFeatures(reasonInputOf(readEmail(email)));
  return { features, label: CLASSES.indexOf(code) };
}

function jsonl(file: string): Example[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { from: string; subject: string; body: string; expected: { reason_code: ReasonCode } })
    .map((e) => exampleOf(e.expected.reason_code, e));
}

export function trainingCorpora(): Corpus[] {
  const files = readdirSync(DATA_DIR)
    .filter((f) => f.endsWith('.jsonl') && !isExcluded(f))
    .sort();
  return [
    ...files.map((f) => ({ name: f, examples: jsonl(join(DATA_DIR, f)) })),
    { name: 'phrasings.ts', examples: PHRASINGS.map((p) => exampleOf(p.code, { from: '', subject: p.subject, body: p.body })) },
    { name: 'trade-cases.ts', examples: TRADE_CASES.map(([code, subject, body]) => exampleOf(code as ReasonCode, { from: '', subject, body })) },
  ];
}

/** The approver's corrected runs (GET /corrections) as examples: the email and the reason as accepted. */
export async function correctionsCorpus(url: string): Promise<Corpus> {
  const { sqlClient } = await import('../persistence/connect.ts');
  const { correctedExamples } = await import('../persistence/corrections.ts');
  const sql = sqlClient(url, 2);
  const examples: Example[] = [];
  const sources: string[] = [];
  try {
    let cursor: number | undefined;
    do {
      const page = await correctedExamples(sql, { limit: 200, cursor });
      for (const x of page.items) {
        const code = x.labels.reason_code;
        if (!isReasonCode(code)) continue;
        const email = (x.email ?? null) as { from?: string; subject?: string; body?: string } | null;
        examples.push(exampleOf(code, { from: email?.from ?? '', subject: email?.subject ?? '', body: email?.body ?? x.reason_text ?? '' }));
        const fixed = x.corrections.reason_code;
        sources.push(`run ${x.run_id}: ${code}${fixed ? ` (the reader said ${String(fixed.from)}, ${x.corrected_by} corrected it)` : ` (reason accepted by ${x.corrected_by})`}`);
      }
      cursor = page.next_cursor ? Number(page.next_cursor) : undefined;
    } while (cursor);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { name: 'corrections (database)', examples, sources };
}

export interface Trained {
  file: string;
  model: ModelFile;
  /** The leave-one-corpus-out predictions the temperature was fitted on: confidence, and whether it was right. */
  cv: { confidence: number; correct: boolean }[];
}

/** Equal-count buckets of the cross-validated predictions kept in model.json. */
const CV_BUCKETS = 8;

/** Leave-one-corpus-out scores, the temperature fitted on them, then the model trained on everything. */
export function buildModel(corpora: Corpus[], options: TrainOptions = {}): Trained {
  const opts = { ...DEFAULTS, ...options };
  const scored: { z: number[]; label: number }[] = [];
  for (const held of corpora) {
    if (!held.examples.length) continue;
    const m = train(corpora.filter((c) => c !== held).flatMap((c) => c.examples), CLASSES.length, opts);
    for (const e of held.examples) scored.push({ z: logits(m, e.features), label: e.label });
  }
  const temperature = scored.length ? fitTemperature(scored) : 1;
  const cv = scored.map(({ z, label }) => {
    const p = probabilities(z, temperature);
    const top = p.indexOf(Math.max(...p));
    return { confidence: p[top]!, correct: top === label };
  });
  const final = train(corpora.flatMap((c) => c.examples), CLASSES.length, opts);
  const weights: Record<string, number[]> = {};
  for (const [f, row] of final.weights) {
    const sparse: number[] = [];
    row.forEach((w, k) => Math.abs(w) >= 0.005 && sparse.push(k, Math.round(w * 1000) / 1000));
    if (sparse.length) weights[f] = sparse;
  }
  const version = `lr-${createHash('sha256').update(JSON.stringify([temperature, weights])).digest('hex').slice(0, 12)}`;
  const r = (x: number) => Math.round(x * 10000) / 10000;
  const model: ModelFile = {
    version,
    classes: CLASSES,
    temperature,
    options: opts,
    trained_on: { examples: corpora.reduce((a, c) => a + c.examples.length, 0), corpora: Object.fromEntries(corpora.map((c) => [c.name, c.examples.length])) },
    cross_validation: {
      accuracy: r(cv.filter((x) => x.correct).length / (cv.length || 1)),
      calibration: calibrationTable(cv).map((row) => ({ ...row, mean_confidence: r(row.mean_confidence), accuracy: r(row.accuracy) })),
      equal_count: equalCountTable(cv, CV_BUCKETS).map((row) => ({ ...row, from: r(row.from), to: r(row.to), mean_confidence: r(row.mean_confidence), accuracy: r(row.accuracy) })),
    },
    weights,
  };
  // One feature per line: a retrained model shows as a readable diff.
  const lines = Object.entries(weights).map(([f, w]) => `    ${JSON.stringify(f)}: ${JSON.stringify(w)}`);
  const { weights: _w, ...head } = model;
  const file = `${JSON.stringify(head, null, 2).replace(/\n}$/, '')},\n  "weights": {\n${lines.join(',\n')}\n  }\n}\n`;
  return { file, model, cv };
}

/**
 * A calibration table for people: each bucket's count, mean confidence and accuracy, the 95 % Wilson interval
 * of that accuracy (on a few emails it is wide: read it before reading the accuracy), the gap in points and
 * whether the confidence lies inside the interval; then the expected calibration error.
 */
export function formatCalibration(rows: CalibrationRow[], title = 'confidence'): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const n = rows.reduce((a, r) => a + r.count, 0);
  return [
    `  ${title.padEnd(11)}    count  mean conf  accuracy   95% interval    gap  within`,
    ...rows.map((b) => {
      const w = wilson(Math.round(b.accuracy * b.count), b.count);
      const inside = b.count === 0 ? '' : b.mean_confidence >= w.low && b.mean_confidence <= w.high ? 'yes' : 'no';
      const interval = b.count ? `${pct(w.low)}–${pct(w.high).trim()}`.padEnd(15) : ''.padEnd(15);
      const gap = b.count ? `${((b.accuracy - b.mean_confidence) * 100).toFixed(1)}`.padStart(6) : ''.padStart(6);
      return `  ${b.from.toFixed(2)}–${b.to.toFixed(2)}  ${String(b.count).padStart(8)}  ${b.count ? pct(b.mean_confidence) : '       '}    ${b.count ? pct(b.accuracy) : '       '}  ${interval}${gap}  ${inside}`;
    }),
    `  expected calibration error ${(calibrationError(rows) * 100).toFixed(1)} points over ${n} predictions`,
  ].join('\n');
}

/** Both views of one set of predictions: fixed buckets, and equal-count buckets (honest on a small set). */
export function calibrationReport(predictions: { confidence: number; correct: boolean }[], buckets = 4): string {
  return [
    formatCalibration(calibrationTable(predictions)),
    '',
    `  the same predictions in ${Math.min(buckets, predictions.length)} buckets of equal count:`,
    formatCalibration(equalCountTable(predictions, buckets), 'equal count'),
  ].join('\n');
}

function parseOptions(argv: string[]): TrainOptions {
  const o: TrainOptions = {};
  for (const [flag, key] of [['--l2', 'l2'], ['--steps', 'steps'], ['--rate', 'rate'], ['--min-count', 'minCount']] as const) {
    const i = argv.indexOf(flag);
    if (i < 0) continue;
    const x = Number(argv[i + 1]);
    if (!Number.isFinite(x) || x < 0) throw new Error(`${flag} takes a number ≥ 0`);
    o[key] = x;
  }
  return o;
}

async function main(argv: string[]): Promise<number> {
  const known = new Set(['--from-db', '--check', '--dry-run', '--list', '--l2', '--steps', '--rate', '--min-count']);
  for (const [i, a] of argv.entries()) {
    if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}`);
    if (!a.startsWith('--') && !['--l2', '--steps', '--rate', '--min-count'].includes(argv[i - 1] ?? '')) throw new Error(`unexpected argument ${a}`);
  }
  const corpora = trainingCorpora();
  if (argv.includes('--from-db')) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('--from-db reads the corrected runs of DATABASE_URL, which is not set');
    const db = await correctionsCorpus(url);
    console.log(`corrections from the database: ${db.examples.length} corrected runs`);
    corpora.push(db);
  }
  if (argv.includes('--list')) {
    for (const c of corpora) {
      const byLabel = new Map<string, number>();
      for (const e of c.examples) byLabel.set(CLASSES[e.label]!, (byLabel.get(CLASSES[e.label]!) ?? 0) + 1);
      console.log(`${c.name}: ${c.examples.length} examples (${[...byLabel].map(([k, n]) => `${k} ${n}`).join(', ')})`);
      for (const line of c.sources ?? []) console.log(`  ${line}`);
    }
    return 0;
  }
  const { file, model, cv } = buildModel(corpora, parseOptions(argv));
  if (argv.includes('--check')) {
    if (readFileSync(MODEL_PATH, 'utf8') !== file) {
      console.error('dispute/reason/model.json is stale: run npm run train:reasons');
      return 1;
    }
    console.log(`dispute/reason/model.json is up to date (${model.version})`);
    return 0;
  }
  console.log(`trained on ${model.trained_on.examples} examples: ${Object.entries(model.trained_on.corpora).map(([n, c]) => `${n} (${c})`).join(', ')}`);
  console.log(`${Object.keys(model.weights).length} features; temperature ${model.temperature}; version ${model.version}`);
  console.log(`leave-one-corpus-out accuracy ${(model.cross_validation.accuracy * 100).toFixed(1)}%, calibration of those predictions:`);
  console.log(calibrationReport(cv, CV_BUCKETS));
  if (argv.includes('--dry-run')) return 0;
  writeFileSync(MODEL_PATH, file);
  console.log(`wrote ${MODEL_PATH} (${Buffer.byteLength(file)} bytes)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`train-reason-model: ${(e as Error).message}`);
      process.exit(2);
    },
  );
}
