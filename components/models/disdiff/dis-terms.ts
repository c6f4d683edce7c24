import * as tf from '@tensorflow/tfjs-core';

/** ‖a_k − b_k‖ per unit: `[B, N, D]` × 2 → `[B, N]` (with a tiny floor so the gradient at 0 is finite). */
export function unitDistances(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(a, b)), 2), 1e-12));
}

/** Cross-entropy of softmax(logits `[B, N]`) against class `c_b`, per sample `[B]`. */
export function crossEntropy(logits: tf.Tensor, c: Int32Array, n: number): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(c, 'int32'), n), tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
}

/**
 * DisDiff's two cross-entropies with target c (the unit whose shift was applied), per sample:
 *   ce_own:    logits_k = ‖p_k − z_k‖ − ‖p'_k − z_k‖ (shifting by unit c should bring unit c's code
 *              closest to the input's own code z_c);
 *   ce_change: logits_k = ‖p_k − p'_k‖ (shifting by unit c should change unit c's code most).
 * p: codes of the unshifted prediction, p': of the shifted one, z: the input's codes, all `[B, N, D]`.
 */
export function disentanglingCrossEntropies(p: tf.Tensor, pShifted: tf.Tensor, z: tf.Tensor, c: Int32Array): { ceOwn: tf.Tensor1D; ceChange: tf.Tensor1D } {
  const n = p.shape[1] as number;
  return {
    ceOwn: crossEntropy(tf.sub(unitDistances(p, z), unitDistances(pShifted, z)), c, n),
    ceChange: crossEntropy(unitDistances(p, pShifted), c, n),
  };
}
