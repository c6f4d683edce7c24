/**
 * The reference conv autoencoder (docs/backend-notes.md) in plain tfjs ops (NHWC):
 * 4x conv 4x4/s2 'same' ReLU (32,32,64,64), dense 256 ReLU, dense 10; dense 256 ReLU,
 * dense 1024 ReLU, 3x convT 4x4/s2 ReLU (64,32,32), convT 4x4/s2 to 3 channels.
 * `size` scales the image (64 in the benchmark; 16 keeps tests fast).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../framework/util/rng.ts';
import { ParamBuilder, type Params } from './params.ts';

export interface ConvAE { params: Params; initial: ParamBuilder['initial']; forward(x: tf.Tensor4D): tf.Tensor4D; size: number }

const ENC = [3, 32, 32, 64, 64];
const DEC = [64, 64, 32, 32, 3];

export function buildConvAE(seed: number, size = 64): ConvAE {
  const pb = new ParamBuilder(new Rng(seed));
  const flat = (size / 16) * (size / 16) * 64;
  for (let i = 0; i < 4; i++) {
    pb.add(`enc${i}.w`, [4, 4, ENC[i], ENC[i + 1]], 16 * ENC[i]);
    pb.add(`enc${i}.b`, [ENC[i + 1]], 16 * ENC[i]);
  }
  const dense: Array<[string, number, number]> = [['fc0', flat, 256], ['fc1', 256, 10], ['fc2', 10, 256], ['fc3', 256, flat]];
  for (const [n, i, o] of dense) { pb.add(`${n}.w`, [i, o], i); pb.add(`${n}.b`, [o], i); }
  for (let i = 0; i < 4; i++) {
    // tfjs convT filters are [kh, kw, out, in].
    pb.add(`dec${i}.w`, [4, 4, DEC[i + 1], DEC[i]], 16 * DEC[i + 1]);
    pb.add(`dec${i}.b`, [DEC[i + 1]], 16 * DEC[i + 1]);
  }
  const p = pb.params;
  const forward = (x: tf.Tensor4D): tf.Tensor4D => {
    const n = x.shape[0];
    let h: tf.Tensor4D = x;
    for (let i = 0; i < 4; i++) h = tf.relu(tf.add(tf.conv2d(h, p[`enc${i}.w`] as tf.Tensor4D, 2, 'same'), p[`enc${i}.b`])) as tf.Tensor4D;
    const dense = (z: tf.Tensor2D, name: string, relu: boolean): tf.Tensor2D => {
      const y = tf.add(tf.matMul(z, p[`${name}.w`] as tf.Tensor2D), p[`${name}.b`]) as tf.Tensor2D;
      return relu ? tf.relu(y) : y;
    };
    let z = tf.reshape(h, [n, flat]) as tf.Tensor2D;
    z = dense(dense(z, 'fc0', true), 'fc1', false);
    z = dense(dense(z, 'fc2', true), 'fc3', true);
    let s = size / 16;
    h = tf.reshape(z, [n, s, s, 64]);
    for (let i = 0; i < 4; i++) {
      s *= 2;
      const y = tf.add(tf.conv2dTranspose(h, p[`dec${i}.w`] as tf.Tensor4D, [n, s, s, DEC[i + 1]], 2, 'same'), p[`dec${i}.b`]) as tf.Tensor4D;
      h = i < 3 ? tf.relu(y) : y;
    }
    return h;
  };
  return { params: p, initial: pb.initial, forward, size };
}
