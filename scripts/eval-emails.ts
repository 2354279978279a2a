// Measures extraction accuracy on a labeled corpus (JSONL, one email per line with `expected`), running
// the real extraction step against the mirror at DATABASE_URL — or, with --memory (or no DATABASE_URL),
// the pure extraction against the sample mirror's CSVs (sql/sample-mirror/), which is what every corpus
// of data/emails/ is written against.
//
//   tsx scripts/eval-emails.ts [file.jsonl] [--json] [--check] [--memory] [--min-invoice-ref 0.9]
//       [--min-customer-id 0.9] [--min-reason-code 0.8] [--min-disputed-amount x] [--min-po-number x]
//       [--database-url url]
//
// The default file is data/emails/heldout.jsonl, the frozen held-out set. Prints accuracy per field, the
// calibration of the reason's confidence (bucket → count, mean confidence, accuracy, its 95 % Wilson interval,
// the gap; fixed buckets, then equal-count buckets, which stay readable on a small set; the expected
// calibration error) and a confusion table.
// --json prints one object {"n","invoice_ref","customer_id","reason_code","disputed_amount","po_number",
// "reason_model","reason_calibration","reason_calibration_equal_count","reason_ece"}; --check applies the CI floors (invoice_ref 0.9, customer_id 0.9,
// reason_code 0.8: well below the measured figures, to catch breakage); any --min-* sets one.
// Exit code 1 when a floor is missed, 2 on bad usage.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type postgres from 'postgres';
import { sqlClient } from '../persistence/connect.ts';
import { MODEL_VERSION } from '../dispute/reason/model.ts';
import { calibrationError, calibrationTable, equalCountTable, type CalibrationRow } from '../dispute/reason/softmax.ts';
import { REASON_CODES } from '../dispute/types.ts';
import { extractDispute } from '../steps/extract.ts';
import { calibrationReport } from './train-reason-model.ts';

export const FIELDS = ['invoice_ref', 'customer_id', 'reason_code', 'disputed_amount', 'po_number'] as const;
export type Field = (typeof FIELDS)[number];
const CHECK_DEFAULTS: Partial<Record<Field, number>> = { invoice_ref: 0.9, customer_id: 0.9, reason_code: 0.8 };

export interface Labeled {
  email_uuid?: string;
  from: string;
  to?: string;
  subject: string;
  body: string;
  received_at?: string;
  reason_text?: string;
  expected: Record<Field, unknown> & { notes?: string };
}

export interface Scored {
  n: number;
  accuracy: Record<Field, number>;
  confusion: Record<string, Record<string, number>>;
  misses: { index: number; field: Field; expected: unknown; got: unknown }[];
  /** The reason's confidence against how often it was right, by bucket. */
  calibration: CalibrationRow[];
  /** The same in equal-count buckets (EVAL_BUCKETS of them). */
  calibration_equal_count: CalibrationRow[];
  /** Each email's reason confidence and whether the reason was right. */
  predictions: { confidence: number; correct: boolean }[];
}

/** Equal-count buckets of the eval's calibration report: on the 32 held-out emails, 8 emails a bucket. */
export const EVAL_BUCKETS = 4;

/** Equal as the eval counts it: amounts within 0.01, null equals null, everything else strictly. */
export function same(field: Field, expected: unknown, got: unknown): boolean {
  if (field === 'disputed_amount') {
    if (expected == null || got == null) return expected == null && got == null;
    return Math.abs(Number(expected) - Number(got)) <= 0.01 + 1e-9;
  }
  return (expected ?? null) === (got ?? null);
}

/** An extraction's fields by name: what was labeled, or what the reader returned (any object's own fields). */
type Fields = Partial<Record<Field | 'confidence', unknown>>;

export function score(pairs: { expected: Fields; got: Fields }[]): Scored {
  const predictions = pairs.map(({ expected, got }) => ({
    confidence: Number((got.confidence as Record<string, number> | undefined)?.reason_code ?? 0),
    correct: same('reason_code', expected.reason_code, got.reason_code),
  }));
  const calibration = calibrationTable(predictions);
  const hits = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  const confusion: Scored['confusion'] = {};
  const misses: Scored['misses'] = [];
  pairs.forEach(({ expected, got }, index) => {
    for (const f of FIELDS) {
      if (same(f, expected[f], got[f])) hits[f]++;
      else misses.push({ index, field: f, expected: expected[f] ?? null, got: got[f] ?? null });
    }
    const row = (confusion[String(expected.reason_code)] ??= {});
    row[String(got.reason_code)] = (row[String(got.reason_code)] ?? 0) + 1;
  });
  const n = pairs.length;
  const accuracy = Object.fromEntries(FIELDS.map((f) => [f, n ? hits[f] / n : 0])) as Record<Field, number>;
  return { n, accuracy, confusion, misses, calibration, calibration_equal_count: equalCountTable(predictions, EVAL_BUCKETS), predictions };
}

export function readCorpus(file: string): Labeled[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l, i) => [l, i] as const)
    .filter(([l]) => l.trim())
    .map(([l, i]) => {
      try {
        return JSON.parse(l) as Labeled;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message}); each line must be one labeled email`);
      }
    });
}

type Extract = (input: Parameters<typeof extractDispute>[1]) => ReturnType<typeof extractDispute> | Awaited<ReturnType<typeof extractDispute>>;

export async function evaluate(sql: postgres.Sql | Extract, corpus: Labeled[]): Promise<Scored> {
  const extract: Extract = typeof sql === 'function' && !('begin' in sql) ? (sql as Extract) : (input) => extractDispute(sql as postgres.Sql, input);
  const pairs = [];
  for (const item of corpus) {
    const email = { from: item.from, to: item.to, subject: item.subject, body: item.body, received_at: item.received_at };
    const got = await extract({ email, reason_text: item.reason_text ?? '' });
    pairs.push({ expected: item.expected, got });
  }
  return score(pairs);
}

function formatReport(s: Scored, corpus: Labeled[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const lines = [`${s.n} emails, reason model ${MODEL_VERSION}`, ...FIELDS.map((f) => `  ${f.padEnd(16)}${pct(s.accuracy[f])}`)];
  lines.push('', 'reason confidence calibration:', calibrationReport(s.predictions, EVAL_BUCKETS));
  const seen = REASON_CODES.filter((c) => s.confusion[c] || Object.values(s.confusion).some((r) => r[c]));
  lines.push('', 'reason confusion (rows expected, columns extracted):', `      ${seen.map((c) => c.padStart(5)).join('')}`);
  for (const e of seen) lines.push(`${e.padEnd(6)}${seen.map((g) => String(s.confusion[e]?.[g] ?? '.').padStart(5)).join('')}`);
  if (s.misses.length) {
    lines.push('', 'misses:');
    for (const m of s.misses) {
      const id = corpus[m.index]?.email_uuid?.slice(0, 8) ?? '';
      lines.push(`  #${m.index} ${id} ${m.field}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}`);
    }
  }
  return lines.join('\n');
}

interface Args {
  file: string;
  json: boolean;
  memory: boolean;
  url: string | undefined;
  min: Partial<Record<Field, number>>;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { file: 'data/emails/heldout.jsonl', json: false, memory: false, url: process.env.DATABASE_URL, min: {} };
  let check = false;
  const explicit: Partial<Record<Field, number>> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--check') check = true;
    else if (a === '--memory') args.memory = true;
    else if (a === '--database-url') args.url = value();
    else if (a.startsWith('--min-')) {
      const field = a.slice(6).replace(/-/g, '_') as Field;
      if (!FIELDS.includes(field)) throw new Error(`unknown option ${a}; use --min-${FIELDS.map((f) => f.replace(/_/g, '-')).join(', --min-')}`);
      const x = Number(value());
      if (!(x >= 0 && x <= 1)) throw new Error(`${a} takes an accuracy between 0 and 1`);
      explicit[field] = x;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.file = a;
  }
  args.min = { ...(check ? CHECK_DEFAULTS : {}), ...explicit };
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`eval-emails: ${(e as Error).message}`);
    return 2;
  }
  const corpus = readCorpus(args.file);
  const report = (s: Scored) => {
    const r4 = (x: number) => Math.round(x * 10000) / 10000;
    const rows = (t: CalibrationRow[]) => t.map((b) => ({ ...b, from: r4(b.from), to: r4(b.to), mean_confidence: r4(b.mean_confidence), accuracy: r4(b.accuracy) }));
    const out = {
      n: s.n,
      ...Object.fromEntries(FIELDS.map((f) => [f, r4(s.accuracy[f])])),
      reason_model: MODEL_VERSION,
      reason_calibration: rows(s.calibration),
      reason_calibration_equal_count: rows(s.calibration_equal_count),
      reason_ece: r4(calibrationError(s.calibration)),
    };
    console.log(args.json ? JSON.stringify(out) : formatReport(s, corpus));
    const missed = Object.entries(args.min).filter(([f, min]) => s.accuracy[f as Field] < (min as number));
    for (const [f, min] of missed) console.error(`eval-emails: ${f} accuracy ${s.accuracy[f as Field].toFixed(4)} is below the target ${min}`);
    return missed.length ? 1 : 0;
  };
  if (args.memory || !args.url) {
    // No database: the pure extraction against the sample mirror's CSVs (the corpora are written against it).
    const { extractInMemory, loadMirror } = await import('../tests/dispute/helpers/mirror.ts');
    const mirror = loadMirror();
    if (!args.json) console.log(`(no database: reading against the sample mirror in sql/sample-mirror/${args.url ? '' : '; set DATABASE_URL to use a database'})`);
    return report(await evaluate((input) => extractInMemory(mirror, input), corpus));
  }
  const sql = sqlClient(args.url, 4);
  try {
    return report(await evaluate(sql, corpus));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => process.exit(code), (e) => {
    console.error(`eval-emails: ${(e as Error).message}`);
    process.exit(1);
  });
}
