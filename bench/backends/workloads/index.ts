/** The benchmark workloads by name, built from seeded arrays so every backend starts from the same point. */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../framework/util/rng.ts';
import { buildConvAE } from './conv-ae.ts';
import { mse, type Params } from './params.ts';
import { buildRnn } from './rnn.ts';
import { buildUNet, timestepFeatures } from './unet.ts';

export interface Work { params: Params; loss: () => tf.Scalar; forward: () => tf.Tensor; inputs: tf.Tensor[] }

export function buildWorkload(name: string, aeBatch = 32, unetBatch = 8): Work {
  const rng = new Rng(1);
  if (name === 'ae') {
    const ae = buildConvAE(3, 64);
    const x = tf.tensor(rng.fillUniform(new Float32Array(aeBatch * 64 * 64 * 3)), [aeBatch, 64, 64, 3]) as tf.Tensor4D;
    return { params: ae.params, loss: () => mse(ae.forward(x), x), forward: () => ae.forward(x), inputs: [x] };
  }
  if (name === 'lstm' || name === 'gru') {
    const m = buildRnn(name, 3);
    const x = tf.tensor(rng.fillUniform(new Float32Array(32 * 8 * 64)), [32, 8, 64]) as tf.Tensor3D;
    return { params: m.params, loss: () => mse(m.forward(x), x), forward: () => m.forward(x), inputs: [x] };
  }
  if (name === 'unet') {
    const u = buildUNet(3);
    const n = unetBatch;
    const x = tf.tensor(rng.fillNormal(new Float32Array(n * 32 * 32 * 3)), [n, 32, 32, 3]) as tf.Tensor4D;
    const noise = tf.tensor(rng.fillNormal(new Float32Array(n * 32 * 32 * 3)), [n, 32, 32, 3]);
    const t = timestepFeatures(Array.from({ length: n }, (_, i) => 10 * i));
    return { params: u.params, loss: () => mse(u.forward(x, t), noise), forward: () => u.forward(x, t), inputs: [x, noise, t] };
  }
  throw new Error(`unknown workload ${name}`);
}
