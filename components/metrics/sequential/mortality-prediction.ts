import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { averagePrecision } from '../classifiers/average-precision.ts';
import { rocAuc } from '../classifiers/roc-auc.ts';
import { fitHead, repeatRng, SequenceClassifier, stepInputs } from './code-heads.ts';
import { encodeSet } from './encoded-set.ts';

export interface MortalityPredictionParams {
  n_samples: number;
  repeats: number;
  test_fraction: number;
  label_key: string;
  /** Batch key with each sequence's valid length; null: every sequence is full length. */
  length_key: string | null;
  hidden: number;
  train_steps: number;
  batch_size: number;
  lr: number;
}

/**
 * DiffSDA's PhysioNet mortality evaluation: an LSTM reads [d_t, s] over each whole stay and
 * predicts the binary label from its state at the stay's last valid step; AUROC and AUPRC on a
 * held-out split, averaged over repeats, each with a new split and a newly initialised network.
 */
export class MortalityPrediction implements ModelMetric {
  constructor(readonly p: MortalityPredictionParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const keys = [this.p.label_key, ...(this.p.length_key ? [this.p.length_key] : [])];
    const enc = encodeSet(ctx, 'mortality', this.p.n_samples, keys);
    const y = Float32Array.from({ length: enc.n }, (_, i) => enc.keys[this.p.label_key].data[i * (enc.keys[this.p.label_key].data.length / enc.n)]);
    if (y.some((v) => v !== 0 && v !== 1)) throw new UntangleError('mortality.label', `'${this.p.label_key}' must be 0/1`, {});
    const T = enc.steps;
    const dataSteps = this.p.length_key ? (ctx.dataset.elementSpec.x?.[0] ?? T) : T;
    // The last valid code step; codes may be at a coarser step than the data.
    const last = Int32Array.from({ length: enc.n }, (_, i) => {
      const len = this.p.length_key ? enc.keys[this.p.length_key].data[i] : dataSteps;
      return Math.max(0, Math.min(T, Math.ceil((len * T) / dataSteps)) - 1);
    });
    const W = enc.dynamicDim + enc.staticDim;
    let auroc = 0, auprc = 0, positives = 0;
    for (let r = 0; r < this.p.repeats; r++) {
      const perm = ctx.rng.permutation(enc.n);
      const nTest = Math.max(2, Math.round(this.p.test_fraction * enc.n));
      const test = perm.slice(0, nTest), train = perm.slice(nTest);
      const rng = repeatRng(ctx.rng);
      const net = new SequenceClassifier(W, this.p.hidden, rng);
      const forward = (rows: Int32Array) => net.forward(tf.tensor3d(stepInputs(enc, rows), [rows.length, T, W]), Int32Array.from(rows, (q) => last[q]));
      fitHead(net, train, (rows) => tf.losses.sigmoidCrossEntropy(tf.tensor1d(Int32Array.from(rows, (q) => y[q]), 'float32'), forward(rows)) as tf.Scalar,
        { steps: this.p.train_steps, batch: this.p.batch_size, lr: this.p.lr }, rng);
      const scores = tf.tidy(() => forward(test).dataSync());
      const truth = Array.from(test, (q) => y[q]);
      auroc += rocAuc(scores, truth, test.length) / this.p.repeats;
      auprc += averagePrecision(scores, truth, test.length) / this.p.repeats;
      positives += truth.reduce((a, v) => a + v, 0) / test.length / this.p.repeats;
      net.dispose();
    }
    // AUPRC's chance level is the positive rate, so it is logged beside it.
    return { auroc, auprc, positive_rate: positives, sequences: enc.n, repeats: this.p.repeats };
  }
}

export const mortalityPredictionSpec = defineComponent<MortalityPredictionParams, MortalityPrediction>({
  target: 'untangle.metrics.MortalityPrediction',
  kind: 'metric',
  description: 'LSTM over the full sequence of [d_t, s] → binary outcome; AUROC and AUPRC over repeats with fresh networks',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      n_samples: { type: 'integer', minimum: 4, default: 4000 },
      repeats: { type: 'integer', minimum: 1, default: 3 },
      test_fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.3 },
      label_key: { type: 'string', default: 'mortality' },
      length_key: { type: ['string', 'null'], default: 'length' },
      hidden: { type: 'integer', minimum: 1, default: 32 },
      train_steps: { type: 'integer', minimum: 1, default: 300 },
      batch_size: { type: 'integer', minimum: 1, default: 64 },
      lr: { type: 'number', exclusiveMinimum: 0, default: 3e-3 },
    },
  },
  create: (p) => new MortalityPrediction(p),
});
