import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import { JudgeAccuracy } from '../components/metrics/sequential/judge-accuracy.ts';
import type { ModelMetricContext } from '../framework/contracts/index.ts';
import type { Model } from '../framework/contracts/index.ts';
import type { Dataset } from '../framework/contracts/index.ts';

tf.setBackend('cpu');

// 4 sequences; labels static [s0], dynamic [d0, d1]. The fake judge predicts from x's first value:
// it gets s0 right on rows 0–2, d0 right everywhere, d1 right on rows 0 and 1 only.
const S0 = [0, 1, 2, 0], D0 = [1, 0, 1, 0], D1 = [2, 2, 0, 1];
const PRED_S0 = [0, 1, 2, 1], PRED_D1 = [2, 2, 1, 0];

const dataset = {
  size: 4,
  batch(idx: ArrayLike<number>) {
    const ids = Array.from(idx);
    return {
      x: tf.tensor3d(ids.map((i) => [[i]]), [ids.length, 1, 1]),
      static: tf.tensor2d(ids.map((i) => [S0[i]]), [ids.length, 1], 'int32'),
      dynamic: tf.tensor2d(ids.map((i) => [D0[i], D1[i]]), [ids.length, 2], 'int32'),
    };
  },
} as unknown as Dataset;

const judge = {
  classify(x: tf.Tensor) {
    const ids = Array.from(x.dataSync());
    const onehot = (cls: number[], c: number) => tf.mul(tf.oneHot(tf.tensor1d(cls, 'int32'), c), 5);
    return {
      logits_static_0: onehot(ids.map((i) => PRED_S0[i]), 3),
      logits_dynamic_0: onehot(ids.map((i) => D0[i]), 2),
      logits_dynamic_1: onehot(ids.map((i) => PRED_D1[i]), 3),
    };
  },
} as unknown as Model;

describe('JudgeAccuracy', () => {
  it('per-head, mean and joint dynamic accuracy, over batches', async () => {
    const ctx: ModelMetricContext = { model: judge, dataset, rng: new Rng(0), batchSize: 3 };
    const s = await new JudgeAccuracy({ n_samples: 4 }).evaluate(ctx);
    expect(s.static_0_acc).toBeCloseTo(0.75, 6);
    expect(s.dynamic_0_acc).toBeCloseTo(1, 6);
    expect(s.dynamic_1_acc).toBeCloseTo(0.5, 6);
    expect(s.static_mean_acc).toBeCloseTo(0.75, 6);
    expect(s.dynamic_mean_acc).toBeCloseTo(0.75, 6);
    expect(s.dynamic_joint_acc).toBeCloseTo(0.5, 6);
  });

  it('refuses a model without classify()', async () => {
    const ctx: ModelMetricContext = { model: {} as Model, dataset, rng: new Rng(0), batchSize: 2 };
    await expect(new JudgeAccuracy({ n_samples: 4 }).evaluate(ctx)).rejects.toThrow(/classify/);
  });
});
