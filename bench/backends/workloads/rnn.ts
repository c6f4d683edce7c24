/**
 * LSTM and GRU sequence models in plain tfjs ops (PyTorch's gate equations and gate order), batch
 * first, followed by a linear read-out applied to every step. The recurrences are the nn package's
 * lstmSequence/gruSequence (one fused kernel each way where the backend has them). Reference sizes (docs/backend-notes.md):
 * batch 32, T 8, input 64, hidden 256, read-out 64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../framework/util/rng.ts';
import { gruSequence, lstmSequence } from '../../../components/nn/fused/rnn-sequences.ts';
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
    // The LSTM adds b_hh unscaled, so it folds into the input projection (as components/nn's LSTM
    // does); the GRU's r gate scales its n block of h·W_hh + b_hh, so there it stays per step.
    const inBias = cell === 'lstm' ? tf.add(bx, bh) : bx;
    const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [b * T, input]), wx), inBias), [b, T, gates * hidden]);
    const h0 = tf.zeros([b, hidden]) as tf.Tensor2D;
    const seq = cell === 'lstm'
      ? lstmSequence(xp as tf.Tensor3D, h0, tf.zeros([b, hidden]) as tf.Tensor2D, wh as tf.Tensor2D)
      : gruSequence(xp as tf.Tensor3D, h0, wh as tf.Tensor2D, bh as tf.Tensor1D);
    const hs = seq.hs;
    const out = tf.add(tf.matMul(tf.reshape(hs, [b * T, hidden]), wo), bo);
    return tf.reshape(out, [b, T, input]);
  };
  return { params: pb.params, forward };
}
