/**
 * GroupNorm over channels-last `[B, ..., C]` as one fused kernel where the backend has it
 * (FUSED.groupNorm: libtorch's native_group_norm and its backward), else as plain tfjs ops.
 * Statistics per sample and group over all positions and the group's C/G channels, biased variance.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, hasFusedKernel, runFused, runFusedGrad } from '../../../framework/backends/fused.ts';
import { affine, normalize } from '../layers/normalize.ts';

/** The composite: what every backend without the fused kernel runs. */
export function groupNormComposite(x: tf.Tensor, gamma: tf.Tensor | null, beta: tf.Tensor | null, groups: number, eps: number): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const xg = tf.reshape(x, [x.shape[0], -1, groups, c / groups]);
  const normed = tf.reshape(normalize(xg, [1, 3], eps).normed, x.shape);
  return affine(normed, gamma, beta);
}

tf.registerGradient({
  kernelName: FUSED.groupNorm,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, mean, rstd] = saved;
    const dy = (dys as tf.Tensor[])[0];
    const groups = (attrs as { groups: number }).groups;
    // One kernel gives all three gradients, so it runs here rather than in the per-input thunks
    // (tfjs runs each thunk in its own tidy, which would dispose the other two). What no thunk
    // takes is disposed with the backward pass's scope.
    const [dx, dgamma, dbeta] = runFusedGrad<tf.Tensor[]>(FUSED.groupNormGrad, { dy, x, mean, rstd, gamma }, { groups });
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
});

/** GroupNorm with an affine `gamma`, `beta` ([C]) when given (both or neither run fused). */
export function groupNorm(x: tf.Tensor, gamma: tf.Tensor | null, beta: tf.Tensor | null, groups: number, eps = 1e-5): tf.Tensor {
  if (gamma === null || beta === null || x.dtype !== 'float32') return groupNormComposite(x, gamma, beta, groups, eps);
  return runFused(FUSED.groupNorm, { x, gamma, beta }, { groups, eps }, () => [groupNormComposite(x, gamma, beta, groups, eps)])[0];
}

/**
 * The fused GroupNorm with its statistics (mean and 1/√(var + eps), `[B, G]`), or null where the
 * backend lacks the kernel: BatchNorm runs on it (as one group per channel over all positions)
 * and needs the batch statistics for its running averages.
 */
export function groupNormWithStats(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, groups: number, eps: number): { y: tf.Tensor; mean: tf.Tensor; rstd: tf.Tensor } | null {
  if (x.dtype !== 'float32' || !hasFusedKernel(FUSED.groupNorm)) return null;
  const [y, mean, rstd] = runFused<tf.Tensor[]>(FUSED.groupNorm, { x, gamma, beta }, { groups, eps }, () => [groupNormComposite(x, gamma, beta, groups, eps)]);
  return { y, mean, rstd };
}
