// A small learned fallback for the reason rules: multinomial naive Bayes over binary stemmed unigrams and
// bigrams of what the customer wrote now (subject, current text, and a forwarded message when there is
// one; quoted history and the signature are already cut by read/split.ts). It is trained offline by
// scripts/train-reason-model.ts on the labeled corpora (never on heldout-4, the honest yardstick) and
// shipped as model.json; inference is a dictionary walk, well under a millisecond.
//
// Retrain after changing the corpora, the features or this file:  npm run train:reasons
// (`npm run train:reasons -- --check` fails when the shipped model.json is stale).
import { REASON_CODES, type ReasonCode } from '../types.ts';
import { repairTypos, stem } from './lexicon.ts';

/** What the classifier reads: the same parts the rules read (see read/email.ts reasonText). */
export interface LearnedInput {
  subject: string;
  body: string;
  fallback?: string | null;
}

export interface LearnedExample extends LearnedInput {
  code: ReasonCode;
}

/** The shipped model: document counts per class and, per term, the classes it occurred in (sparse). */
export interface ModelData {
  version: 1;
  alpha: number;
  min_df: number;
  classes: ReasonCode[];
  docs: number[];
  /** term -> [classIndex, count, classIndex, count, ...] */
  terms: Record<string, number[]>;
  /** Margin-perceptron corrections on top of the naive Bayes log-probabilities, so that the model fits
   * its own training examples (naive Bayes alone misreads a few, mostly OTH): term -> [classIndex, delta, ...]. */
  adjust: Record<string, number[]>;
}

export interface LearnedPrediction {
  code: ReasonCode;
  /** Posterior of the chosen class (naive Bayes posteriors are overconfident; compare, don't trust). */
  p: number;
  ranked: { code: ReasonCode; p: number }[];
  /** The terms that pushed the chosen class most, for the approver's evidence line. */
  terms: string[];
}

// Function words that carry no reason. Negations and quantity words stay: "never came", "only 36".
const STOP = new Set(
  `a an the and or but if so to of in on at by for from with as into about than then there here this that these those
  it its we our ours us you your yours they their them he she his her i me my be have do will would could should can
  may might shall please hi hello dear thanks thank regards best kind team sir madam just also any some all up out
  what which who whom when where how why let get know like see look one`.split(/\s+/).filter(Boolean),
);

/** Feature terms of one email: stemmed unigrams and bigrams, with shapes for money, percentages and numbers. */
export function features(input: LearnedInput): string[] {
  const text = repairTypos([input.subject, input.body, input.fallback ?? ''].join('\n')).toLowerCase();
  const tokens: string[] = [];
  // A long text repeats its words: each is stemmed once.
  const stems = new Map<string, string>();
  const stemOf = (w: string) => {
    let st = stems.get(w);
    if (st === undefined) stems.set(w, (st = stem(w)));
    return st;
  };
  const re = /\$\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?%|\d[\d,.]*|[a-z][a-z']*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const t = m[0];
    if (t.startsWith('$')) tokens.push('<money>');
    else if (t.endsWith('%')) tokens.push('<pct>');
    else if (/^\d/.test(t)) tokens.push('<num>');
    else {
      // Most words have no apostrophe, and nothing to rewrite: three pattern passes per word add up in a long text.
      const w = t.includes("'") ? t.replace(/'s$/, '').replace(/n't$/, ' not').split(' ') : [t];
      for (const x of w) if (x && !STOP.has(x)) tokens.push(stemOf(x.includes("'") ? x.replace(/'/g, '') : x));
    }
  }
  const out = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    out.add(tokens[i]!);
    if (i + 1 < tokens.length) out.add(`${tokens[i]} ${tokens[i + 1]}`);
  }
  return [...out].sort();
}

/** Trains the model; deterministic for a given example list (order does not matter). */
export function train(examples: LearnedExample[], opts: { alpha?: number; min_df?: number; epochs?: number; margin?: number; step?: number } = {}): ModelData {
  const alpha = opts.alpha ?? 0.5;
  const min_df = opts.min_df ?? 2;
  const epochs = opts.epochs ?? 20;
  const margin = opts.margin ?? 0.5;
  const step = opts.step ?? 0.125;
  const classes = [...REASON_CODES];
  const docs = classes.map(() => 0);
  const counts = new Map<string, number[]>();
  for (const ex of examples) {
    const c = classes.indexOf(ex.code);
    if (c < 0) throw new Error(`unknown reason code ${ex.code}`);
    docs[c]!++;
    for (const t of features(ex)) {
      let row = counts.get(t);
      if (!row) counts.set(t, (row = classes.map(() => 0)));
      row[c]!++;
    }
  }
  // Terms are customers' words: kept in objects without a prototype, so that no word can be "__proto__".
  const terms: Record<string, number[]> = Object.create(null);
  for (const t of [...counts.keys()].sort()) {
    const row = counts.get(t)!;
    if (row.reduce((a, b) => a + b, 0) < min_df) continue;
    const sparse: number[] = [];
    row.forEach((n, i) => n > 0 && sparse.push(i, n));
    terms[t] = sparse;
  }
  const model: ModelData = { version: 1, alpha, min_df, classes, docs, terms, adjust: Object.create(null) };
  // Correct the naive Bayes scores until every training example wins by `margin` (or the epochs run out).
  // Steps that are powers of two in a fixed example order keep the result exact and reproducible.
  const base = compile({ ...model });
  const delta = new Map<string, number[]>();
  const data = examples
    .map((ex) => ({ c: classes.indexOf(ex.code), f: features(ex).filter((t) => base.terms.has(t)) }))
    .sort((a, b) => a.c - b.c || (a.f.join('|') < b.f.join('|') ? -1 : a.f.join('|') > b.f.join('|') ? 1 : 0));
  for (let epoch = 0; epoch < epochs; epoch++) {
    let updates = 0;
    for (const { c, f } of data) {
      const score = [...base.logPrior];
      for (const t of f) {
        const row = base.terms.get(t)!;
        const d = delta.get(t);
        for (let k = 0; k < score.length; k++) score[k]! += row[k]! + (d?.[k] ?? 0);
      }
      let rival = -1;
      for (let k = 0; k < score.length; k++) if (k !== c && (rival < 0 || score[k]! > score[rival]!)) rival = k;
      if (score[c]! - score[rival]! >= margin) continue;
      updates++;
      for (const t of f) {
        let d = delta.get(t);
        if (!d) delta.set(t, (d = classes.map(() => 0)));
        d[c]! += step;
        d[rival]! -= step;
      }
    }
    if (updates === 0) break;
  }
  for (const t of [...delta.keys()].sort()) {
    const sparse: number[] = [];
    delta.get(t)!.forEach((n, i) => n !== 0 && sparse.push(i, n));
    if (sparse.length) model.adjust[t] = sparse;
  }
  return model;
}

interface Compiled {
  classes: ReasonCode[];
  logPrior: number[];
  /** Log-probability of a term the class never saw, per class. */
  logUnseen: number[];
  terms: Map<string, number[]>;
}

const compiledCache = new WeakMap<ModelData, Compiled>();

function compile(model: ModelData): Compiled {
  const cached = compiledCache.get(model);
  if (cached) return cached;
  const k = model.classes.length;
  const vocab = Object.keys(model.terms).length;
  const mass = model.classes.map(() => 0);
  for (const sparse of Object.values(model.terms)) for (let i = 0; i < sparse.length; i += 2) mass[sparse[i]!]! += sparse[i + 1]!;
  const denom = mass.map((m) => Math.log(m + model.alpha * vocab));
  const total = model.docs.reduce((a, b) => a + b, 0);
  const logPrior = model.docs.map((d) => Math.log((d + 1) / (total + k)));
  const logUnseen = denom.map((d) => Math.log(model.alpha) - d);
  const terms = new Map<string, number[]>();
  for (const [t, sparse] of Object.entries(model.terms)) {
    const row = [...logUnseen];
    for (let i = 0; i < sparse.length; i += 2) row[sparse[i]!] = Math.log(sparse[i + 1]! + model.alpha) - denom[sparse[i]!]!;
    // Own entries only: a term like "constructor" must not find Object.prototype's member in a parsed model.
    const adjust = Object.hasOwn(model.adjust, t) ? model.adjust[t]! : [];
    for (let i = 0; i < adjust.length; i += 2) row[adjust[i]!]! += adjust[i + 1]!;
    terms.set(t, row);
  }
  const compiled = { classes: model.classes, logPrior, logUnseen, terms };
  compiledCache.set(model, compiled);
  return compiled;
}

/** The model's reading of one email: the most probable class and the posterior over all of them. */
export function predict(model: ModelData, input: LearnedInput): LearnedPrediction {
  const m = compile(model);
  const score = [...m.logPrior];
  const seen: string[] = [];
  for (const t of features(input)) {
    const row = m.terms.get(t);
    if (!row) continue; // terms outside the vocabulary say nothing
    seen.push(t);
    for (let c = 0; c < score.length; c++) score[c]! += row[c]!;
  }
  const max = Math.max(...score);
  const exp = score.map((s) => Math.exp(s - max));
  const z = exp.reduce((a, b) => a + b, 0);
  const ranked = m.classes.map((code, i) => ({ code, p: exp[i]! / z })).sort((a, b) => b.p - a.p || m.classes.indexOf(a.code) - m.classes.indexOf(b.code));
  const best = ranked[0]!;
  const ci = m.classes.indexOf(best.code);
  const lift = (t: string) => {
    const row = m.terms.get(t)!;
    return row[ci]! - Math.max(...row.filter((_, i) => i !== ci));
  };
  const terms = seen
    .filter((t) => lift(t) > 0)
    .sort((a, b) => lift(b) - lift(a) || (a < b ? -1 : 1))
    .slice(0, 5);
  return { code: best.code, p: Math.round(best.p * 1000) / 1000, ranked, terms };
}

/** The model file as the training script writes it: stable key order, one term per line. */
export function serializeModel(model: ModelData): string {
  const head = { version: model.version, alpha: model.alpha, min_df: model.min_df, classes: model.classes, docs: model.docs };
  const block = (rec: Record<string, number[]>) =>
    Object.keys(rec)
      .sort()
      .map((t) => `    ${JSON.stringify(t)}: ${JSON.stringify(rec[t])}`)
      .join(',\n');
  const headJson = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headJson},\n  "terms": {\n${block(model.terms)}\n  },\n  "adjust": {\n${block(model.adjust)}\n  }\n}\n`;
}
