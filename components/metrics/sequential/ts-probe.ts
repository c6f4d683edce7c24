import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { LogisticRegression } from '../classifiers/logistic-regression.ts';
import { accuracy } from '../labels.ts';
import { encodeSet, standardize, takeRows, type EncodedSet } from './encoded-set.ts';

export interface TsProbeParams {
  n_samples: number;
  repeats: number;
  test_fraction: number;
  /** Batch key of the per-sequence labels, `[k]` per example; null: none. */
  static_key: string | null;
  /** Batch key of the per-step labels, `[T]` or `[T, k]` per example; null: none. */
  local_key: string | null;
  static_names: string[] | null;
  local_names: string[] | null;
  /** Cap on (sequence, step) rows per split for the per-step probes, drawn at random. */
  max_step_rows: number;
  C: number;
}

/** One probe problem: a feature matrix over rows, a label per row, and which rows are train / test. */
interface Problem {
  x: Float64Array;
  dim: number;
  y: Int32Array;
  train: Int32Array;
  test: Int32Array;
}

/**
 * Linear probes of a static/dynamic model's codes (DiffSDA's Table-2 classifier, generalised):
 * per-sequence labels are predicted from the static code s and, as the contrast, from the
 * time-mean of the dynamic codes; per-step labels from d_t and, as the contrast, from s. Each
 * repeat draws a new train/test split of the encoded sequences and fits a new logistic regression
 * (the upstream reused one classifier across repeats, bug 6). Features are z-scored with the
 * training rows' statistics. A negative or NaN label marks a row without a label. `chance/<label>` is
 * the test share of the most frequent training class, what a constant predictor scores.
 */
export class TSProbe implements ModelMetric {
  constructor(readonly p: TsProbeParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const keys = [this.p.static_key, this.p.local_key].filter((k): k is string => k !== null);
    if (keys.length === 0) throw new UntangleError('ts_probe.labels', 'TSProbe needs static_key or local_key', {});
    const enc = encodeSet(ctx, 'ts_probe', this.p.n_samples, keys);
    const totals: Record<string, number> = {};
    const add = (k: string, v: number) => { totals[k] = (totals[k] ?? 0) + v / this.p.repeats; };
    for (let r = 0; r < this.p.repeats; r++) {
      const perm = ctx.rng.permutation(enc.n);
      const nTest = Math.max(1, Math.round(this.p.test_fraction * enc.n));
      if (nTest >= enc.n) throw new UntangleError('ts_probe.split', 'too few sequences for a train/test split', { n: enc.n, test_fraction: this.p.test_fraction });
      const test = perm.subarray(0, nTest), train = perm.subarray(nTest);
      if (this.p.static_key !== null) {
        const { data, shape } = enc.keys[this.p.static_key];
        const k = shape.length === 0 ? 1 : shape[shape.length - 1];
        const sFeat = Float64Array.from(enc.s), dMean = timeMean(enc);
        for (let j = 0; j < k; j++) {
          const name = this.p.static_names?.[j] ?? `${this.p.static_key}_${j}`;
          const y = Int32Array.from({ length: enc.n }, (_, i) => labelOf(data[i * k + j]));
          const sp = fit({ x: sFeat, dim: enc.staticDim, y, train, test }, this.p.C);
          add(`acc_s/${name}`, sp.acc);
          add(`chance/${name}`, sp.chance);
          add(`acc_dmean/${name}`, fit({ x: dMean, dim: enc.dynamicDim, y, train, test }, this.p.C).acc);
        }
      }
      if (this.p.local_key !== null) {
        const { data, shape } = enc.keys[this.p.local_key];
        const T = shape[0], k = shape.length > 1 ? shape[1] : 1;
        if (T !== enc.steps) {
          throw new UntangleError('ts_probe.steps', `per-step labels have ${T} steps but the dynamic code has ${enc.steps}`,
            { label_steps: T, code_steps: enc.steps }, 'per-step probes need one dynamic code per labelled step');
        }
        const stepTrain = stepRows(train, T, this.p.max_step_rows, ctx.rng);
        const stepTest = stepRows(test, T, this.p.max_step_rows, ctx.rng);
        const dFeat = Float64Array.from(enc.d), sFeat = broadcastStatic(enc);
        for (let j = 0; j < k; j++) {
          const name = this.p.local_names?.[j] ?? `${this.p.local_key}_${j}`;
          const y = Int32Array.from({ length: enc.n * T }, (_, i) => labelOf(data[i * k + j]));
          const dp = fit({ x: dFeat, dim: enc.dynamicDim, y, train: stepTrain, test: stepTest }, this.p.C);
          add(`acc_dt/${name}`, dp.acc);
          add(`chance/${name}`, dp.chance);
          add(`acc_s/${name}`, fit({ x: sFeat, dim: enc.staticDim, y, train: stepTrain, test: stepTest }, this.p.C).acc);
        }
      }
    }
    return { ...totals, sequences: enc.n, repeats: this.p.repeats };
  }
}

/** A class id; NaN (a loader's "no label", e.g. padding) becomes −1, unlabelled, not class 0. */
function labelOf(v: number): number {
  return Number.isFinite(v) ? Math.round(v) : -1;
}

/** Fits a fresh classifier on the labelled training rows and scores the labelled test rows. */
function fit(pr: Problem, C: number): { acc: number; chance: number } {
  const train = pr.train.filter((i) => pr.y[i] >= 0), test = pr.test.filter((i) => pr.y[i] >= 0);
  if (train.length === 0 || test.length === 0) {
    throw new UntangleError('ts_probe.unlabelled', 'no labelled rows in the train or test split', { train: train.length, test: test.length });
  }
  const yTrain = Int32Array.from(train, (i) => pr.y[i]), yTest = Int32Array.from(test, (i) => pr.y[i]);
  const counts = new Map<number, number>();
  for (const v of yTrain) counts.set(v, (counts.get(v) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const chance = accuracy(new Int32Array(yTest.length).fill(majority), yTest);
  // One training class: the best any classifier can do is predict it.
  if (counts.size < 2) return { acc: chance, chance };
  const z = standardize(pr.x, pr.y.length, pr.dim, train);
  const clf = new LogisticRegression({ C }).fit(takeRows(z, pr.dim, train), train.length, pr.dim, yTrain);
  return { acc: accuracy(clf.predict(takeRows(z, pr.dim, test), test.length), yTest), chance };
}

function timeMean(enc: EncodedSet): Float64Array {
  const { n, steps: T, dynamicDim: D } = enc;
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) out[i * D + j] += enc.d[(i * T + t) * D + j] / T;
  }
  return out;
}

/** s repeated on every step, so a per-step label can be probed from it row for row. */
function broadcastStatic(enc: EncodedSet): Float64Array {
  const { n, steps: T, staticDim: S } = enc;
  const out = new Float64Array(n * T * S);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) out.set(enc.s.subarray(i * S, i * S + S), (i * T + t) * S);
  return out;
}

/** The (sequence, step) rows of the given sequences, at most `cap` of them at random. */
function stepRows(sequences: Int32Array, T: number, cap: number, rng: Rng): Int32Array {
  const all = new Int32Array(sequences.length * T);
  sequences.forEach((q, i) => { for (let t = 0; t < T; t++) all[i * T + t] = q * T + t; });
  if (all.length <= cap) return all;
  const pick = rng.permutation(all.length).subarray(0, cap);
  return Int32Array.from(pick, (i) => all[i]);
}

export const tsProbeSpec = defineComponent<TsProbeParams, TSProbe>({
  target: 'untangle.metrics.TSProbe',
  kind: 'metric',
  description: 'Logistic probes of static labels from s and mean d, and of per-step labels from d_t and s',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      n_samples: { type: 'integer', minimum: 4, default: 1000 },
      repeats: { type: 'integer', minimum: 1, default: 3 },
      test_fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.3 },
      static_key: { type: ['string', 'null'], default: 'static' },
      local_key: { type: ['string', 'null'], default: 'dynamic' },
      static_names: { type: ['array', 'null'], items: { type: 'string' }, default: null },
      local_names: { type: ['array', 'null'], items: { type: 'string' }, default: null },
      max_step_rows: { type: 'integer', minimum: 10, default: 5000 },
      C: { type: 'number', exclusiveMinimum: 0, default: 1 },
    },
  },
  create: (p) => new TSProbe(p),
});
