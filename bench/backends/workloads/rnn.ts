/**
 * LSTM and GRU sequence models in plain tfjs ops (PyTorch's gate equations and gate order), batch
 * first, followed by a linear read-out applied to every step. Reference sizes from backend.md:
 * batch 32, T 8, input 64, hidden 256, read-out 64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../framework/util/rng.ts';
import { ParamBuilder, type Params } from './params.ts';

export interface SeqModel { params: Params; forward(x: tf.Tensor3D): tf.Tensor3D }

export function buildRnn(cell: 'lstm' | 'gru', seed: number, input = 64, hidden = 256): SeqModel {
  const pb = new ParamBuilder(new Rng(seed));
  const gates = cell === 'lstm' ? 4 : 3;
  const wx = pb.add('wx', [input, gates * hidden], hidden);
  const wh = pb.add('wh', [hidden, gates * hidden], hidden);
  const bx = pb.add('bx', [gates * hidden], hidden);
  const bh = pb.add('bh', [gates * hidden], hidden);
  const wo = pb.add('wo', [hidden, input], hidden);
  const bo = pb.add('bo', [input], hidden);
  const forward = (x: tf.Tensor3D): tf.Tensor3D => {
    const [b, T] = x.shape;
    // Input projections for all steps at once: one matmul instead of T.
    const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [b * T, input]), wx), bx), [b, T, gates * hidden]);
    const steps = tf.unstack(xp, 1);
    let h: tf.Tensor2D = tf.zeros([b, hidden]);
    let c: tf.Tensor2D = tf.zeros([b, hidden]);
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const hp = tf.add(tf.matMul(h, wh), bh);
      if (cell === 'lstm') {
        const [i, f, g, o] = tf.split(tf.add(steps[t], hp), 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      } else {
        const [xr, xz, xn] = tf.split(steps[t], 3, 1);
        const [hr, hz, hn] = tf.split(hp, 3, 1);
        const r = tf.sigmoid(tf.add(xr, hr));
        const z = tf.sigmoid(tf.add(xz, hz));
        const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
        h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      }
      hs.push(h);
    }
    const out = tf.add(tf.matMul(tf.reshape(tf.stack(hs, 1), [b * T, hidden]), wo), bo);
    return tf.reshape(out, [b, T, input]);
  };
  return { params: pb.params, forward };
}
