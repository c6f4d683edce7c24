import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';

/**
 * Squared norms below this are clamped before the square root. sqrt has an infinite derivative at
 * 0, so a naive norm gives NaN gradients wherever two codes coincide (the diagonal, two fragments
 * on one atom); behind `maximum`, the clamped entries get a zero gradient instead, as torch's
 * `norm` does. The value moves by at most 1e-6.
 */
const MIN_SQ = 1e-12;

/**
 * Mean pairwise Euclidean distance over i ≠ j within each set: `[G, m, d]` → `[G]`. Needs m ≥ 2
 * (with one member the mean over i ≠ j is empty).
 */
export function meanPairwiseDistance(x: tf.Tensor3D): tf.Tensor1D {
  const [, m] = x.shape;
  if (m < 2) throw new UntangleError('v3.mpd.size', `the mean pairwise distance needs at least 2 vectors per set, got ${m}`, { shape: x.shape });
  return tf.tidy(() => {
    const diff = tf.sub(tf.expandDims(x, 2), tf.expandDims(x, 1));
    const d = tf.sqrt(tf.maximum(tf.sum(tf.square(diff), -1), MIN_SQ));
    const offDiag = tf.sub(tf.ones([m, m]), tf.eye(m));
    return tf.div(tf.sum(tf.mul(d, offDiag), [1, 2]), m * (m - 1)) as tf.Tensor1D;
  });
}

/** Fragment variability: the mean over samples of the mpd over each sample's fragments, `[B, n, d]` → scalar. */
export function fragmentVariability(z: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => tf.mean(meanPairwiseDistance(z)) as tf.Scalar);
}

/** Sample variability: the mpd over samples of each sample's mean code, `[B, n, d]` → scalar. */
export function sampleVariability(z: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => tf.squeeze(meanPairwiseDistance(tf.expandDims(tf.mean(z, 1), 0) as tf.Tensor3D)) as tf.Scalar);
}

/** The divisor of `total` nearest √total from below: the row count of the near-square grid. */
export function nearSquareRows(total: number): number {
  for (let r = Math.floor(Math.sqrt(total)); r >= 1; r--) if (total % r === 0) return r;
  return 1;
}

/**
 * The adapted form's `supersample_content`: all B·n fragments (sample-major) regrouped into a
 * near-square grid of pseudo-samples, so that sample means average over more fragments.
 */
export function supersample(z: tf.Tensor3D): tf.Tensor3D {
  const [b, n, d] = z.shape;
  const rows = nearSquareRows(b * n);
  if (rows < 2) throw new UntangleError('v3.supersample.size', `supersample_content needs B·n with a divisor ≥ 2 below its square root, got ${b}·${n}`, { b, n });
  return tf.reshape(z, [rows, (b * n) / rows, d]);
}

/**
 * The adapted form's `widen_style: w`: each fragment's style code replaced by the mean over the
 * window of w fragments centred on it, with replicate padding at the ends. Unlike the upstream,
 * the centre counts once, the output keeps n fragments, and nothing wraps around the sequence.
 */
export function widenStyle(s: tf.Tensor3D, w: number): tf.Tensor3D {
  if (!Number.isInteger(w) || w < 1 || w % 2 === 0) throw new UntangleError('v3.widen_style', `widen_style must be a positive odd integer, got ${w}`, { w });
  const n = s.shape[1];
  const h = (w - 1) / 2;
  // A fixed [n, n] averaging matrix: row i has 1/w at every clamped index of its window.
  const avg = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i - h; j <= i + h; j++) avg[i * n + Math.min(n - 1, Math.max(0, j))] += 1 / w;
  return tf.tidy(() => {
    const [b, , d] = s.shape;
    const a = tf.tensor2d(avg, [n, n]);
    const t = tf.reshape(tf.transpose(s, [1, 0, 2]), [n, b * d]);
    return tf.transpose(tf.reshape(tf.matMul(a, t), [n, b, d]), [1, 0, 2]) as tf.Tensor3D;
  });
}
