// Trains the learned fallback of the reason classifier (dispute/reason/learned.ts) and writes
// dispute/reason/model.json. Deterministic: the same corpora give the same file, byte for byte.
//
//   npm run train:reasons              retrain and write dispute/reason/model.json
//   npm run train:reasons -- --check   exit 1 when the shipped model.json differs from a fresh training
//   npm run train:reasons -- --loco    leave-one-corpus-out accuracy of the model alone (writes nothing);
//                                      add --step/--margin/--epochs to try other perceptron corrections
//
// Training data: every labeled email in tests/fixtures/emails/disputes.jsonl and tests/dispute/fixtures/*.jsonl
// except heldout-7.jsonl (the untouched yardstick, never trained on; heldout-4, heldout-5 and heldout-6 joined
// the training data once they had been measured), plus the labeled phrasings of
// tests/dispute/phrasings.ts and tests/dispute/trade-cases.ts. Each email is read like the product reads it
// (read/email.ts: subject, current text, forwarded message; quoted history and signature cut).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readEmail, reasonText } from '../dispute/read/email.ts';
import { predict, serializeModel, train, type LearnedExample } from '../dispute/reason/learned.ts';
import type { ReasonCode } from '../dispute/types.ts';
import { PHRASINGS } from '../tests/dispute/phrasings.ts';
import { TRADE_CASES } from '../tests/dispute/trade-cases.ts';

const ROOT = join(import.meta.dirname, '..');
export const MODEL_PATH = join(ROOT, 'dispute/reason/model.json');
/** Never trained on: the honest generalization test of the reason classifier. */
export const EXCLUDED = ['heldout-7.jsonl'];

export interface Corpus {
  name: string;
  examples: LearnedExample[];
}

function example(code: ReasonCode, from: string, subject: string, body: string): LearnedExample {
  const text = reasonText(readEmail({ from, subject, body }).parts);
  return { code, ...text };
}

function jsonl(file: string): LearnedExample[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { from: string; subject: string; body: string; expected: { reason_code: ReasonCode } })
    .map((e) => example(e.expected.reason_code, e.from, e.subject, e.body));
}

export function trainingCorpora(): Corpus[] {
  const dir = join(ROOT, 'tests/dispute/fixtures');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl') && !EXCLUDED.includes(f))
    .sort();
  return [
    { name: 'disputes.jsonl', examples: jsonl(join(ROOT, 'tests/fixtures/emails/disputes.jsonl')) },
    ...files.map((f) => ({ name: basename(f), examples: jsonl(join(dir, f)) })),
    { name: 'phrasings.ts', examples: PHRASINGS.map((p) => example(p.code, '', p.subject, p.body)) },
    { name: 'trade-cases.ts', examples: TRADE_CASES.map(([code, subject, body]) => example(code as ReasonCode, '', subject, body)) },
  ];
}

/** The model file a fresh training on the corpora gives. */
export function buildModelFile(corpora: Corpus[] = trainingCorpora()): string {
  return serializeModel(train(corpora.flatMap((c) => c.examples)));
}

function loco(corpora: Corpus[], opts: Parameters<typeof train>[1] = {}): void {
  let hits = 0;
  let n = 0;
  for (const held of corpora) {
    const model = train(corpora.filter((c) => c !== held).flatMap((c) => c.examples), opts);
    const got = held.examples.map((e) => ({ e, r: predict(model, e) }));
    const ok = got.filter((g) => g.r.code === g.e.code).length;
    hits += ok;
    n += got.length;
    const conf = (lo: number) => {
      const sel = got.filter((g) => g.r.p >= lo);
      return `p>=${lo}: ${sel.filter((g) => g.r.code === g.e.code).length}/${sel.length}`;
    };
    console.log(`${held.name.padEnd(24)} ${ok}/${got.length} = ${((ok / got.length) * 100).toFixed(1)}%   [${[0.5, 0.8, 0.95].map(conf).join(', ')}]`);
  }
  console.log(`${'all (pooled)'.padEnd(24)} ${hits}/${n} = ${((hits / n) * 100).toFixed(1)}%`);
}

function main(argv: string[]): number {
  const corpora = trainingCorpora();
  if (argv.includes('--loco')) {
    const opt = (k: string) => (argv.includes(k) ? Number(argv[argv.indexOf(k) + 1]) : undefined);
    loco(corpora, { epochs: opt('--epochs'), margin: opt('--margin'), step: opt('--step') });
    return 0;
  }
  const file = buildModelFile(corpora);
  if (argv.includes('--check')) {
    const shipped = readFileSync(MODEL_PATH, 'utf8');
    if (shipped !== file) {
      console.error('dispute/reason/model.json is stale: run npm run train:reasons');
      return 1;
    }
    console.log('dispute/reason/model.json is up to date');
    return 0;
  }
  writeFileSync(MODEL_PATH, file);
  const n = corpora.reduce((a, c) => a + c.examples.length, 0);
  console.log(`trained on ${n} examples from ${corpora.map((c) => `${c.name} (${c.examples.length})`).join(', ')}`);
  console.log(`wrote ${MODEL_PATH} (${Buffer.byteLength(file)} bytes)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(main(process.argv.slice(2)));
