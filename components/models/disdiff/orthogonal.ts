import * as tf from '@tensorflow/tfjs-core';

/**
 * exp(A) by scaling and squaring with a Taylor polynomial: (Σ_{k≤K} (A/2^s)^k / k!)^(2^s). Only
 * matrix products, so it is differentiable on every backend. For skew-symmetric A the result is
 * orthogonal (DisDiff's `orth_emb`: unit identity embeddings as rows of exp(A − Aᵀ)).
 */
export function matrixExp(a: tf.Tensor2D, squarings = 6, terms = 12): tf.Tensor2D {
  return tf.tidy(() => {
    const n = a.shape[0];
    const scaled = tf.div(a, 2 ** squarings) as tf.Tensor2D;
    let term = tf.eye(n) as tf.Tensor2D;
    let sum = term;
    for (let k = 1; k <= terms; k++) {
      term = tf.div(tf.matMul(term, scaled), k) as tf.Tensor2D;
      sum = tf.add(sum, term) as tf.Tensor2D;
    }
    for (let i = 0; i < squarings; i++) sum = tf.matMul(sum, sum);
    return sum;
  });
}

/** The first `rows` rows of exp(W − Wᵀ): orthonormal vectors parameterised without constraints. */
export function orthogonalRows(w: tf.Tensor2D, rows: number): tf.Tensor2D {
  return tf.tidy(() => tf.slice(matrixExp(tf.sub(w, tf.transpose(w)) as tf.Tensor2D), [0, 0], [rows, w.shape[1]]));
}
