import * as tf from '@tensorflow/tfjs-core';
import { cholesky, choleskySolve, logDetFromCholesky, solveLower, symmetrize, transpose3 } from './small-linalg.ts';

/**
 * A linear-Gaussian state-space model with time-varying matrices, batched:
 *   z_1 ~ N(μ0, P0),   z_t = A_t z_{t−1} + w_t, w_t ~ N(0, Q)   (t ≥ 2),
 *   a_t = C_t z_t + v_t,  v_t ~ N(0, R).
 * `transition[t]` is A_t `[B, n, n]` (entry 0 is unused: z_1 has no predecessor), `emission[t]`
 * is C_t `[B, m, n]`. Everything is differentiable tfjs ops (KVAE trains through it).
 */
export interface Lgssm {
  transition: tf.Tensor3D[];
  emission: tf.Tensor3D[];
  /** `[n, n]` */
  q: tf.Tensor2D;
  /** `[m, m]` */
  r: tf.Tensor2D;
  /** `[n]` */
  mu0: tf.Tensor1D;
  /** `[n, n]` */
  p0: tf.Tensor2D;
}

export interface FilterResult {
  /** Filtered means E[z_t | a_1:t], `[B, n, 1]` per step. */
  means: tf.Tensor3D[];
  /** Filtered covariances, `[B, n, n]` per step. */
  covs: tf.Tensor3D[];
  /** Predicted (one-step-ahead) means and covariances, E[z_t | a_1:t−1]. */
  predMeans: tf.Tensor3D[];
  predCovs: tf.Tensor3D[];
  /** log p(a_1:T) = Σ_t log N(a_t; C_t μ_{t|t−1}, C_t P_{t|t−1} C_tᵀ + R), `[B]`. */
  logLik: tf.Tensor1D;
}

export interface SmootherResult {
  /** Smoothed means E[z_t | a_1:T], `[B, n, 1]` per step. */
  means: tf.Tensor3D[];
  covs: tf.Tensor3D[];
}

const LOG_2PI = Math.log(2 * Math.PI);

function batched(x: tf.Tensor, b: number): tf.Tensor3D {
  const r = x.rank === 1 ? tf.reshape(x, [1, x.shape[0], 1]) : tf.expandDims(x, 0);
  return tf.tile(r, [b, 1, 1]) as tf.Tensor3D;
}

/**
 * The Kalman filter over observations `a [B, T, m]`. The covariance update uses Joseph's form
 * (I − KC) P (I − KC)ᵀ + K R Kᵀ, which stays positive-definite in float32 where P − K C P drifts.
 */
export function kalmanFilter(a: tf.Tensor3D, ssm: Lgssm): FilterResult {
  const [b, t, m] = a.shape;
  const n = ssm.q.shape[0];
  const q = batched(ssm.q, b), r = batched(ssm.r, b), eye = batched(tf.eye(n), b);
  const res: FilterResult = { means: [], covs: [], predMeans: [], predCovs: [], logLik: tf.zeros([b]) };
  let mu = batched(ssm.mu0, b), p = batched(ssm.p0, b);
  let logLik: tf.Tensor = tf.zeros([b]);
  for (let i = 0; i < t; i++) {
    if (i > 0) {
      const A = ssm.transition[i];
      mu = tf.matMul(A, mu);
      p = symmetrize(tf.add(tf.matMul(tf.matMul(A, p), A, false, true), q) as tf.Tensor3D);
    }
    res.predMeans.push(mu); res.predCovs.push(p);
    const C = ssm.emission[i];
    const s = symmetrize(tf.add(tf.matMul(tf.matMul(C, p), C, false, true), r) as tf.Tensor3D);
    const l = cholesky(s);
    const resid = tf.sub(tf.reshape(tf.slice(a, [0, i, 0], [b, 1, m]), [b, m, 1]), tf.matMul(C, mu)) as tf.Tensor3D;
    // Kᵀ = S⁻¹ C P (S and P symmetric).
    const k = transpose3(choleskySolve(l, tf.matMul(C, p)));
    mu = tf.add(mu, tf.matMul(k, resid)) as tf.Tensor3D;
    const ikc = tf.sub(eye, tf.matMul(k, C)) as tf.Tensor3D;
    p = symmetrize(tf.add(tf.matMul(tf.matMul(ikc, p), ikc, false, true), tf.matMul(tf.matMul(k, r), k, false, true)) as tf.Tensor3D);
    res.means.push(mu); res.covs.push(p);
    const white = solveLower(l, resid);
    const maha = tf.reshape(tf.sum(tf.square(white), [1, 2]), [b]);
    logLik = tf.add(logLik, tf.mul(-0.5, tf.add(tf.add(maha, logDetFromCholesky(l)), m * LOG_2PI)));
  }
  res.logLik = logLik as tf.Tensor1D;
  return res;
}

/**
 * The Rauch–Tung–Striebel smoother: backwards from the last filtered step,
 * J_t = P_{t|t} A_{t+1}ᵀ P_{t+1|t}⁻¹, μ_{t|T} = μ_{t|t} + J_t (μ_{t+1|T} − μ_{t+1|t}),
 * P_{t|T} = P_{t|t} + J_t (P_{t+1|T} − P_{t+1|t}) J_tᵀ. Its last step is the filter's.
 */
export function rtsSmoother(f: FilterResult, ssm: Lgssm): SmootherResult {
  const t = f.means.length;
  const means: tf.Tensor3D[] = new Array(t), covs: tf.Tensor3D[] = new Array(t);
  means[t - 1] = f.means[t - 1]; covs[t - 1] = f.covs[t - 1];
  for (let i = t - 2; i >= 0; i--) {
    const A = ssm.transition[i + 1];
    // Jᵀ = P_{t+1|t}⁻¹ A P_{t|t}.
    const j = transpose3(choleskySolve(cholesky(f.predCovs[i + 1]), tf.matMul(A, f.covs[i])));
    means[i] = tf.add(f.means[i], tf.matMul(j, tf.sub(means[i + 1], f.predMeans[i + 1]))) as tf.Tensor3D;
    covs[i] = symmetrize(tf.add(f.covs[i], tf.matMul(tf.matMul(j, tf.sub(covs[i + 1], f.predCovs[i + 1])), j, false, true)) as tf.Tensor3D);
  }
  return { means, covs };
}
