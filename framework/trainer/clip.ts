import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../util/errors.ts';
import { FUSED, runFused } from '../backends/fused.ts';

export interface ClippedGrads {
  /** New gradient tensors (the caller owns them and still owns the inputs). */
  grads: tf.Tensor[];
  /** Norm of all gradients together, before clipping. */
  totalNorm: number;
}

/**
 * PyTorch's `clip_grad_norm_`: the total norm is taken over all gradients as one vector
 * (`normType` 2, 1, or Infinity), and every gradient is scaled by min(1, maxNorm/(norm + 1e-6)).
 * tfjs tensors are immutable, so this returns new tensors instead of clipping in place.
 */
export function clipGradNorm(grads: tf.Tensor[], maxNorm: number, normType = 2): ClippedGrads {
  if (!(maxNorm > 0)) throw new UntangleError('optim.clip.max_norm', `max_norm must be > 0, got ${maxNorm}`, { maxNorm });
  if (!(normType === 1 || normType === 2 || normType === Infinity)) {
    throw new UntangleError('optim.clip.norm_type', `norm_type must be 1, 2 or Infinity, got ${normType}`, { normType });
  }
  if (grads.length === 0) return { grads: [], totalNorm: 0 };
  const norm = tf.tidy(() => {
    if (normType === Infinity) return tf.max(tf.stack(grads.map((g) => tf.max(tf.abs(g)))));
    if (normType === 1) return tf.addN(grads.map((g) => tf.sum(tf.abs(g))));
    // One fused kernel over every gradient where the backend has it (instead of 2 per tensor).
    const f32 = grads.every((g) => g.dtype === 'float32');
    const composite = () => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    return f32 ? runFused(FUSED.globalNorm, listInputs(grads), {}, composite) : composite();
  });
  const totalNorm = norm.dataSync()[0];
  norm.dispose();
  const coef = Math.min(1, maxNorm / (totalNorm + 1e-6));
  // Multiplying by exactly 1 is a no-op, so skip the kernels when nothing is clipped.
  if (coef >= 1) return { grads: grads.map((g) => tf.clone(g)), totalNorm };
  const scaleEach = () => grads.map((g) => tf.mul(g, coef));
  const out = grads.every((g) => g.dtype === 'float32') ? runFused(FUSED.scaleAll, listInputs(grads), { scale: coef }, scaleEach) : scaleEach();
  return { grads: out, totalNorm };
}

/** A tensor list as kernel inputs keyed 0, 1, … (the way tfjs passes AddN's list). */
function listInputs(ts: tf.Tensor[]): tf.NamedTensorMap {
  return Object.fromEntries(ts.map((t, i) => [String(i), t]));
}
