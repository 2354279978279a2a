// The shipped reason model (model.json, written by npm run train:reasons): softmax weights per feature,
// the calibration temperature and the version that each run's extraction records as `reason_model`.
import { REASON_CODES, type ReasonCode } from '../types.ts';
import SHIPPED from './model.json' with { type: 'json' };
import { logits, probabilities, type CalibrationRow, type Weights } from './softmax.ts';

export interface ModelFile {
  /** "lr-<first 12 hex of the SHA-256 of the weights>": changes whenever the weights do. */
  version: string;
  classes: ReasonCode[];
  temperature: number;
  options: { l2: number; minCount: number; steps: number; rate: number };
  trained_on: { examples: number; corpora: Record<string, number> };
  /** Cross-validated (leave one corpus out) accuracy and calibration of the training corpora. */
  cross_validation: {
    accuracy: number;
    calibration: CalibrationRow[];
    /** The same predictions in buckets of equal count (confidence from–to as found). */
    equal_count?: CalibrationRow[];
  };
  /** feature → [classIndex, weight, classIndex, weight, …] (weights below 0.005 left out, three decimals). */
  weights: Record<string, number[]>;
}

export interface LoadedModel {
  version: string;
  classes: ReasonCode[];
  temperature: number;
  weights: Weights;
}

/** Turns a model file into weights. Features are customers' words: they are kept in a Map, never an object. */
export function loadModel(file: ModelFile): LoadedModel {
  const K = file.classes.length;
  const weights = new Map<string, Float64Array>();
  for (const [f, sparse] of Object.entries(file.weights)) {
    const row = new Float64Array(K);
    for (let i = 0; i + 1 < sparse.length; i += 2) row[sparse[i]!] = sparse[i + 1]!;
    weights.set(f, row);
  }
  for (const c of file.classes) if (!(REASON_CODES as readonly string[]).includes(c)) throw new Error(`model.json: unknown reason code ${c}`);
  return { version: file.version, classes: file.classes, temperature: file.temperature, weights: { classes: K, weights } };
}

const MODEL = loadModel(SHIPPED as ModelFile);
export const MODEL_VERSION = MODEL.version;

/** Every reason with its calibrated probability, most probable first. */
export function rankReasons(features: string[], model: LoadedModel = MODEL): { code: ReasonCode; p: number }[] {
  const p = probabilities(logits(model.weights, features), model.temperature);
  return model.classes.map((code, k) => ({ code, p: p[k]! })).sort((a, b) => b.p - a.p);
}

/** The features that pushed `code` most, for the evidence line when no rule spoke. */
export function explain(features: string[], code: ReasonCode, model: LoadedModel = MODEL, n = 4): string[] {
  const k = model.classes.indexOf(code);
  return features
    .filter((f) => f !== 'bias' && model.weights.weights.has(f))
    .map((f) => ({ f, w: model.weights.weights.get(f)![k]! }))
    .filter((x) => x.w > 0)
    .sort((a, b) => b.w - a.w || (a.f < b.f ? -1 : 1))
    .slice(0, n)
    .map((x) => x.f);
}
