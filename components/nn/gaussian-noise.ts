import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../framework/util/rng.ts';

/** Standard-normal noise of a shape, drawn from `rng` in JS so every backend sees the same numbers. */
export function normalNoise(shape: number[], rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillNormal(new Float32Array(n)), shape, 'float32');
}

/** z = μ + exp(½ log σ²) ⊙ ε, the reparameterisation trick. */
export function reparameterize(mu: tf.Tensor, logvar: tf.Tensor, rng: Rng): tf.Tensor {
  return tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), normalNoise(mu.shape, rng)));
}
