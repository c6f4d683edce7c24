import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { fitHead, repeatRng, StepRegressor, stepInputs } from './code-heads.ts';
import { encodeSet } from './encoded-set.ts';

export interface OtPredictionParams {
  n_samples: number;
  repeats: number;
  test_fraction: number;
  target_key: string;
  /** Column of the target key to predict. */
  column: number;
  block: number;
  hidden: number;
  train_steps: number;
  batch_size: number;
  lr: number;
}

/**
 * DiffSDA's ETT-h evaluation: a per-step regressor predicts the target (oil temperature) from
 * [d_t, s]; predictions and truth are averaged over blocks of `block` steps and the MAE of the
 * block means on held-out sequences is reported, averaged over repeats with new splits and newly
 * initialised regressors. The MAE is in the target's units: ETTh's `target` is z-scored OT; its
 * `local` column 1 is the raw OT the upstream scores (°C). `mae_mean_baseline` predicts the training mean everywhere, the floor
 * a code that carries no information reaches.
 */
export class OTPrediction implements ModelMetric {
  constructor(readonly p: OtPredictionParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const enc = encodeSet(ctx, 'ot_prediction', this.p.n_samples, [this.p.target_key]);
    const { data, shape } = enc.keys[this.p.target_key];
    const T = enc.steps, width = shape.length > 1 ? shape[1] : 1;
    if (shape[0] !== T) throw new UntangleError('ot_prediction.steps', `target has ${shape[0]} steps, the dynamic code ${T}`, { target: shape[0], code: T });
    if (this.p.column >= width) throw new UntangleError('ot_prediction.column', `target has ${width} columns`, { column: this.p.column });
    const y = Float32Array.from({ length: enc.n * T }, (_, i) => data[i * width + this.p.column]);
    const W = enc.dynamicDim + enc.staticDim;
    let mae = 0, baseline = 0;
    for (let r = 0; r < this.p.repeats; r++) {
      const perm = ctx.rng.permutation(enc.n);
      const nTest = Math.max(1, Math.round(this.p.test_fraction * enc.n));
      const test = perm.slice(0, nTest), train = perm.slice(nTest);
      const rng = repeatRng(ctx.rng);
      const net = new StepRegressor(W, this.p.hidden, rng);
      const targets = (rows: Int32Array) => {
        const out = new Float32Array(rows.length * T);
        rows.forEach((q, i) => out.set(y.subarray(q * T, q * T + T), i * T));
        return out;
      };
      const predict = (rows: Int32Array) => tf.reshape(net.forward(tf.tensor3d(stepInputs(enc, rows), [rows.length, T, W])), [rows.length, T]);
      // Trained on what is scored, as the upstream does: L1 between block means.
      const blocks = blockMatrix(T, this.p.block);
      fitHead(net, train, (rows) => tf.mean(tf.abs(tf.sub(tf.matMul(predict(rows), blocks), tf.matMul(tf.tensor2d(targets(rows), [rows.length, T]), blocks)))) as tf.Scalar,
        { steps: this.p.train_steps, batch: this.p.batch_size, lr: this.p.lr }, rng);
      const pred = tf.tidy(() => predict(test).dataSync());
      const truth = targets(test);
      const trainMean = targets(train).reduce((a, v) => a + v, 0) / (train.length * T);
      mae += blockMae(pred, truth, test.length, T, this.p.block) / this.p.repeats;
      baseline += blockMae(new Float32Array(truth.length).fill(trainMean), truth, test.length, T, this.p.block) / this.p.repeats;
      net.dispose();
      blocks.dispose();
    }
    return { mae, mae_mean_baseline: baseline, sequences: enc.n, repeats: this.p.repeats };
  }
}

/** `[T, ⌈T/block⌉]`: right-multiplying a `[B, T]` series by it gives its block means. */
function blockMatrix(T: number, block: number): tf.Tensor2D {
  const nb = Math.ceil(T / block), m = new Float32Array(T * nb);
  for (let t = 0; t < T; t++) {
    const b = Math.floor(t / block);
    m[t * nb + b] = 1 / (Math.min(T, (b + 1) * block) - b * block);
  }
  return tf.tensor2d(m, [T, nb]);
}

/** Mean over sequences and blocks of |mean(pred in block) − mean(truth in block)|; a short last block counts as one. */
export function blockMae(pred: ArrayLike<number>, truth: ArrayLike<number>, n: number, T: number, block: number): number {
  let total = 0, count = 0;
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < T; b += block) {
      const e = Math.min(T, b + block);
      let dp = 0, dt = 0;
      for (let t = b; t < e; t++) { dp += pred[i * T + t]; dt += truth[i * T + t]; }
      total += Math.abs(dp - dt) / (e - b);
      count++;
    }
  }
  return total / count;
}

export const otPredictionSpec = defineComponent<OtPredictionParams, OTPrediction>({
  target: 'untangle.metrics.OTPrediction',
  kind: 'metric',
  description: 'Per-step [d_t, s] regressor of a target column; MAE of 10-step block means over repeats with fresh regressors',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      n_samples: { type: 'integer', minimum: 4, default: 4000 },
      repeats: { type: 'integer', minimum: 1, default: 3 },
      test_fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.3 },
      target_key: { type: 'string', default: 'target' },
      column: { type: 'integer', minimum: 0, default: 0 },
      block: { type: 'integer', minimum: 1, default: 10 },
      hidden: { type: 'integer', minimum: 1, default: 64 },
      train_steps: { type: 'integer', minimum: 1, default: 500 },
      batch_size: { type: 'integer', minimum: 1, default: 32 },
      lr: { type: 'number', exclusiveMinimum: 0, default: 3e-3 },
    },
  },
  create: (p) => new OTPrediction(p),
});
