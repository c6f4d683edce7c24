import * as tf from '@tensorflow/tfjs-core';

/**
 * PyTorch's clip_grad_norm_: scale all gradients by min(1, maxNorm / (total_norm + 1e-6)), where
 * total_norm is the L2 norm over every gradient together. Returns the clipped gradients and the
 * norm before clipping.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  if (scale >= 1) return { grads, norm };
  return { grads: grads.map((g) => tf.mul(g, scale)), norm };
}
