/**
 * LSTM and GRU sequence models in plain tfjs ops (PyTorch's gate equations and gate order), batch
 * first, followed by a linear read-out applied to every step. The cell updates are the nn package's
 * lstmCell/gruCell (fused kernels where the backend has them). Reference sizes from backend.md:
 * batch 32, T 8, input 64, hidden 256, read-out 64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../framework/util/rng.ts';
import { gruCell, lstmCell } from '../../../components/nn/fused/rnn_cells.ts';
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
      const hp = tf.add(tf.matMul(h, wh), bh) as tf.Tensor2D;
      if (cell === 'lstm') ({ h, c } = lstmCell(tf.add(steps[t], hp) as tf.Tensor2D, c));
      else h = gruCell(steps[t] as tf.Tensor2D, hp, h);
      hs.push(h);
    }
    const out = tf.add(tf.matMul(tf.reshape(tf.stack(hs, 1), [b * T, hidden]), wo), bo);
    return tf.reshape(out, [b, T, input]);
  };
  return { params: pb.params, forward };
}
