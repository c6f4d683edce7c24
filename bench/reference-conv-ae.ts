/**
 * The reference conv-autoencoder workload (docs/backend-notes.md), in plain tfjs-core ops
 * (no tfjs-layers): [N,64,64,3] → 4× conv 4×4/s2 'same' ReLU (32,32,64,64) → dense 256 ReLU →
 * dense 10 → dense 256 ReLU → dense 1024 ReLU → [4,4,64] → 3× convT 4×4/s2 'same' ReLU (64,32,32)
 * → convT 4×4/s2 (3), MSE to the input. Used by the wasm-kernel bench and the gradient test.
 * Weights are Glorot-uniform draws from the untangle Rng, so every backend starts identically.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../framework/util/rng.ts';

export interface ConvAE {
  vars: tf.Variable[];
  /** Reconstruction of x (the graph the gradients flow through). */
  forward(x: tf.Tensor4D): tf.Tensor4D;
  loss(x: tf.Tensor4D): tf.Scalar;
}

function glorot(rng: Rng, shape: number[], fanIn: number, fanOut: number, name: string): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const data = rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -limit, limit);
  return tf.variable(tf.tensor(data, shape), true, name);
}

function zeros(shape: number[], name: string): tf.Variable {
  return tf.variable(tf.zeros(shape), true, name);
}

export function buildConvAE(seed: number, size = 64): ConvAE {
  if (size % 16 !== 0) throw new RangeError(`buildConvAE: size must be a multiple of 16, got ${size}`);
  const rng = new Rng(seed);
  const enc = [3, 32, 32, 64, 64];
  const dec = [64, 64, 32, 32, 3];
  const s4 = size / 16; // spatial size after 4 stride-2 convs
  const flat = s4 * s4 * 64;
  const convW = enc.slice(1).map((co, i) => glorot(rng, [4, 4, enc[i], co], 16 * enc[i], 16 * co, `enc${i}/w`));
  const convB = enc.slice(1).map((co, i) => zeros([co], `enc${i}/b`));
  const dense = [
    [flat, 256],
    [256, 10],
    [10, 256],
    [256, flat],
  ];
  const denseW = dense.map(([i, o], j) => glorot(rng, [i, o], i, o, `dense${j}/w`));
  const denseB = dense.map(([, o], j) => zeros([o], `dense${j}/b`));
  // conv2dTranspose filters are [kh, kw, outChannels, inChannels]
  const convTW = dec.slice(1).map((co, i) => glorot(rng, [4, 4, co, dec[i]], 16 * dec[i], 16 * co, `dec${i}/w`));
  const convTB = dec.slice(1).map((co, i) => zeros([co], `dec${i}/b`));

  const forward = (x: tf.Tensor4D): tf.Tensor4D => {
    const n = x.shape[0];
    let h: tf.Tensor4D = x;
    convW.forEach((w, i) => {
      h = tf.relu(tf.add(tf.conv2d(h, w as tf.Tensor4D, 2, 'same'), convB[i])) as tf.Tensor4D;
    });
    let z: tf.Tensor2D = tf.reshape(h, [n, flat]);
    denseW.forEach((w, j) => {
      const y: tf.Tensor2D = tf.add(tf.matMul(z, w as tf.Tensor2D), denseB[j]);
      z = j === 1 ? y : tf.relu(y); // the 10-d code is linear
    });
    let d: tf.Tensor4D = tf.reshape(z, [n, s4, s4, 64]);
    convTW.forEach((w, i) => {
      const side = s4 * 2 ** (i + 1);
      const y: tf.Tensor4D = tf.add(tf.conv2dTranspose(d, w as tf.Tensor4D, [n, side, side, dec[i + 1]], 2, 'same'), convTB[i]);
      d = i === convTW.length - 1 ? y : tf.relu(y);
    });
    return d;
  };
  return {
    vars: [...convW, ...convB, ...denseW, ...denseB, ...convTW, ...convTB],
    forward,
    loss: (x) => tf.losses.meanSquaredError(x, forward(x)),
  };
}

/** A batch of uniform [0,1) images from the untangle Rng. */
export function randomImages(seed: number, batch: number, size = 64): tf.Tensor4D {
  const data = new Rng(seed).fillUniform(new Float32Array(batch * size * size * 3), 0, 1);
  return tf.tensor4d(data, [batch, size, size, 3]);
}
