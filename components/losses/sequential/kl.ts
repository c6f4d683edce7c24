import * as tf from '@tensorflow/tfjs-core';

/**
 * KL(N(μq, σq²) ‖ N(μp, σp²)) elementwise:
 *   ½ (log σp² − log σq² + (σq² + (μq − μp)²)/σp² − 1).
 */
export function klDiagGaussians(qMu: tf.Tensor, qLogvar: tf.Tensor, pMu: tf.Tensor, pLogvar: tf.Tensor): tf.Tensor {
  return tf.mul(0.5, tf.sub(tf.add(tf.sub(pLogvar, qLogvar), tf.div(tf.add(tf.exp(qLogvar), tf.square(tf.sub(qMu, pMu))), tf.exp(pLogvar))), 1));
}

/** Sum over every axis but the first: `[B, ...]` → `[B]`. */
export function sumPerExample(t: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.reshape(t, [t.shape[0], -1]), 1) as tf.Tensor1D;
}
