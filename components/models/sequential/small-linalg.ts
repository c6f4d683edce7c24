import * as tf from '@tensorflow/tfjs-core';

/**
 * Linear algebra on batches of small matrices `[B, m, m]` built from tfjs ops (tfjs-core has no
 * matrix inverse or Cholesky), so it runs and differentiates on every backend. Costs O(m) op
 * groups per factorisation or solve: meant for the state-space sizes of a Kalman filter (m ≲ 16).
 */

/** `[B, r, c]` → `[B, c, r]`. */
export function transpose3(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

/** `[B, m, m]` → ½(X + Xᵀ): keeps covariances symmetric against round-off. */
export function symmetrize(x: tf.Tensor3D): tf.Tensor3D {
  return tf.mul(0.5, tf.add(x, transpose3(x))) as tf.Tensor3D;
}

/**
 * Lower Cholesky factor L (L Lᵀ = S) of symmetric positive-definite `[B, m, m]`, column by column:
 * column j = (S[:, j] − Σ_{k<j} L[j, k] L[:, k]) / L[j, j], masked to rows ≥ j.
 */
export function cholesky(s: tf.Tensor3D): tf.Tensor3D {
  const [b, m] = s.shape;
  const cols: tf.Tensor2D[] = [];
  for (let j = 0; j < m; j++) {
    let v = tf.reshape(tf.slice(s, [0, 0, j], [b, m, 1]), [b, m]) as tf.Tensor2D;
    for (let k = 0; k < j; k++) {
      v = tf.sub(v, tf.mul(cols[k], tf.slice(cols[k], [0, j], [b, 1]))) as tf.Tensor2D;
    }
    const mask = tf.tensor1d(Array.from({ length: m }, (_, i) => (i >= j ? 1 : 0)), 'float32');
    const d = tf.sqrt(tf.slice(v, [0, j], [b, 1]));
    cols.push(tf.mul(tf.div(v, d), mask) as tf.Tensor2D);
  }
  return tf.stack(cols, 2) as tf.Tensor3D;
}

/** Row i of `[B, m, k]` as `[B, 1, k]`. */
function row(x: tf.Tensor3D, i: number): tf.Tensor3D {
  return tf.slice(x, [0, i, 0], [x.shape[0], 1, x.shape[2]]);
}

/** Solves L Y = R for lower-triangular `l [B, m, m]`, `r [B, m, k]` by forward substitution. */
export function solveLower(l: tf.Tensor3D, r: tf.Tensor3D): tf.Tensor3D {
  const [b, m] = l.shape;
  const rows: tf.Tensor3D[] = [];
  for (let i = 0; i < m; i++) {
    let v = row(r, i);
    if (i > 0) v = tf.sub(v, tf.matMul(tf.slice(l, [0, i, 0], [b, 1, i]), tf.concat(rows, 1))) as tf.Tensor3D;
    rows.push(tf.div(v, tf.slice(l, [0, i, i], [b, 1, 1])) as tf.Tensor3D);
  }
  return tf.concat(rows, 1) as tf.Tensor3D;
}

/** Solves Lᵀ X = Y for lower-triangular `l` by back substitution. */
export function solveUpperT(l: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor3D {
  const [b, m] = l.shape;
  const rows: tf.Tensor3D[] = new Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let v = row(y, i);
    if (i < m - 1) {
      // (Lᵀ)[i, i+1:] = L[i+1:, i] as a row.
      const lt = transpose3(tf.slice(l, [0, i + 1, i], [b, m - i - 1, 1]));
      v = tf.sub(v, tf.matMul(lt, tf.concat(rows.slice(i + 1), 1))) as tf.Tensor3D;
    }
    rows[i] = tf.div(v, tf.slice(l, [0, i, i], [b, 1, 1])) as tf.Tensor3D;
  }
  return tf.concat(rows, 1) as tf.Tensor3D;
}

/** S⁻¹ R from the Cholesky factor of S. */
export function choleskySolve(l: tf.Tensor3D, r: tf.Tensor3D): tf.Tensor3D {
  return solveUpperT(l, solveLower(l, r));
}

/** log det S = 2 Σ log L_ii, `[B]`. */
export function logDetFromCholesky(l: tf.Tensor3D): tf.Tensor1D {
  const m = l.shape[1];
  const eye = tf.eye(m);
  return tf.mul(2, tf.sum(tf.log(tf.sum(tf.mul(l, eye), 2)), 1)) as tf.Tensor1D;
}
