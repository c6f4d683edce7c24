import * as tf from '@tensorflow/tfjs-core';
import { bernoulliNll, gaussianNll } from '../gaussian.ts';

/**
 * Reconstruction terms of the sequential models, summed over every frame and element of an
 * example, `[B]`:
 *  - `bernoulli`: x_hat are logits (binary-ish images);
 *  - `mse`: summed squared error of sigmoid(x_hat) (DSVAE's summed MSE on images in [0, 1]);
 *  - `mse_identity`: summed squared error of x_hat itself (features: log-mel, z-scored series);
 *  - `gaussian`: −log N(x; x_hat, exp(x_logvar)) with the model's `x_logvar` (FHVAE's decoder).
 * `mask` (1 = observed) restricts the sum, for series with gaps.
 */
export type Likelihood = 'bernoulli' | 'mse' | 'mse_identity' | 'gaussian';
export const LIKELIHOODS: readonly Likelihood[] = ['bernoulli', 'mse', 'mse_identity', 'gaussian'];

const LOG_2PI = Math.log(2 * Math.PI);

export function sequenceNll(x: tf.Tensor, xHat: tf.Tensor, likelihood: Likelihood, xLogvar?: tf.Tensor, mask?: tf.Tensor): tf.Tensor1D {
  if (likelihood === 'bernoulli' && !mask) return bernoulliNll(x, xHat);
  if (likelihood === 'mse' && !mask) return gaussianNll(x, tf.sigmoid(xHat));
  if (likelihood === 'mse_identity' && !mask) return gaussianNll(x, xHat);
  let per: tf.Tensor;
  if (likelihood === 'bernoulli') per = tf.add(tf.sub(tf.relu(xHat), tf.mul(xHat, x)), tf.log1p(tf.exp(tf.neg(tf.abs(xHat)))));
  else if (likelihood === 'mse') per = tf.squaredDifference(x, tf.sigmoid(xHat));
  else if (likelihood === 'mse_identity') per = tf.squaredDifference(x, xHat);
  else {
    const lv = xLogvar ?? tf.zerosLike(xHat);
    per = tf.mul(0.5, tf.add(tf.add(LOG_2PI, lv), tf.div(tf.squaredDifference(x, xHat), tf.exp(lv))));
  }
  if (mask) per = tf.mul(per, mask);
  return tf.sum(tf.reshape(per, [x.shape[0], -1]), 1) as tf.Tensor1D;
}
