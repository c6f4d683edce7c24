import * as tf from '@tensorflow/tfjs-core';

/**
 * (x − mean)/√(var + eps) over `axes`, with the biased variance (PyTorch's normalisation).
 * Centres once and reuses the centred tensor for the variance: 6 kernels instead of tf.moments'
 * 8 plus a second subtraction. Returns the variance too (BatchNorm's running statistics).
 */
export function normalize(x: tf.Tensor, axes: number[], eps: number): { normed: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const mean = tf.mean(x, axes, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), axes, true);
  return { normed: tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), mean, variance };
}

/** normed·weight + bias when the layer is affine. */
export function affine(normed: tf.Tensor, weight: tf.Tensor | null, bias: tf.Tensor | null): tf.Tensor {
  const scaled = weight ? tf.mul(normed, weight) : normed;
  return bias ? tf.add(scaled, bias) : scaled;
}
