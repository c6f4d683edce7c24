import * as tf from '@tensorflow/tfjs-core';

const LOG_2PI = Math.log(2 * Math.PI);

/** KL(N(μ, σ²) ‖ N(0, I)) per example: ½ Σ_d (μ² + σ² − log σ² − 1). Shape `[B]`. */
export function klStandardNormal(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), tf.add(logvar, 1)), 1)) as tf.Tensor1D;
}

/** log N(x; μ, exp(logvar)) elementwise (broadcasting). */
export function gaussianLogDensity(x: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor): tf.Tensor {
  return tf.mul(-0.5, tf.add(tf.add(LOG_2PI, logvar), tf.div(tf.square(tf.sub(x, mu)), tf.exp(logvar))));
}

/** −log p(x | logits) for a Bernoulli decoder, summed over each example's pixels. Shape `[B]`. */
export function bernoulliNll(x: tf.Tensor, logits: tf.Tensor): tf.Tensor1D {
  // max(l, 0) − l·x + log(1 + exp(−|l|)): stable for large |l|.
  const per = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  return tf.sum(tf.reshape(per, [x.shape[0], -1]), 1) as tf.Tensor1D;
}

/** Squared error summed over each example (a unit-variance Gaussian decoder up to constants). Shape `[B]`. */
export function gaussianNll(x: tf.Tensor, mean: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.reshape(tf.squaredDifference(x, mean), [x.shape[0], -1]), 1) as tf.Tensor1D;
}
