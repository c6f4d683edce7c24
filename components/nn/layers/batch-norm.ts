import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UnaryModule } from '../module.ts';
import { ones, zeros } from '../init.ts';
import { affine, normalize } from './normalize.ts';
import { groupNormWithStats } from '../fused/group-norm.ts';

/**
 * BatchNorm over channels-last input `[B, ..., C]` (PyTorch BatchNorm1d/2d semantics).
 * Training: normalise with the batch's biased variance, and update the running statistics
 * (non-trainable variables `running_mean`, `running_var`) with the unbiased variance and
 * `momentum` (new = (1 − m)·old + m·batch). Eval: normalise with the running statistics.
 * The running-stat update is a side effect of `forward` in training mode, as in PyTorch.
 */
export class BatchNorm extends UnaryModule {
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(readonly numFeatures: number, readonly eps = 1e-5, readonly momentum = 0.1, affine = true) {
    super();
    const rng = new Rng(0); // ones/zeros: never read
    this.weight = affine ? this.param('weight', [numFeatures], ones(), rng) : null;
    this.bias = affine ? this.param('bias', [numFeatures], zeros(), rng) : null;
    this.runningMean = this.param('running_mean', [numFeatures], zeros(), rng, false);
    this.runningVar = this.param('running_var', [numFeatures], ones(), rng, false);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.numFeatures) {
      throw new UntangleError('nn.batchnorm.shape', `BatchNorm expects [B, ..., ${this.numFeatures}], got [${x.shape}]`,
        { shape: x.shape });
    }
    const n = x.size / this.numFeatures;
    if (this.training && n < 2) {
      throw new UntangleError('nn.batchnorm.batch', 'BatchNorm in training mode needs more than one value per channel',
        { shape: x.shape }, 'use a larger batch or eval()');
    }
    return tf.tidy(() => {
      if (!this.training) {
        const normed = tf.mul(tf.sub(x, this.runningMean), tf.rsqrt(tf.add(this.runningVar, this.eps)));
        return affine(normed, this.weight, this.bias);
      }
      const c = this.numFeatures;
      const { y, mean, variance } = this.batchNormalize(x, n);
      // Running statistics are not part of the loss, so these ops never receive a gradient.
      const m = this.momentum;
      const unbiased = tf.mul(tf.reshape(variance, [c]), (m * n) / (n - 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(tf.reshape(mean, [c]), m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), unbiased));
      return y;
    });
  }

  /**
   * The affine-normalised batch and its statistics (biased variance). Batch statistics per channel
   * over all N positions are GroupNorm's of the [1, N, C] view with one group per channel: one
   * fused kernel each way where the backend has it (libtorch), instead of the composite and its
   * backward. The fused kernel gives 1/√(var + eps), from which the variance is recovered.
   */
  private batchNormalize(x: tf.Tensor, n: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
    const c = this.numFeatures;
    const fused = this.weight && this.bias ? groupNormWithStats(tf.reshape(x, [1, n, c]), this.weight, this.bias, c, this.eps) : null;
    if (fused) return { y: tf.reshape(fused.y, x.shape), mean: fused.mean, variance: tf.sub(tf.reciprocal(tf.square(fused.rstd)), this.eps) };
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { normed, mean, variance } = normalize(x, axes, this.eps);
    return { y: affine(normed, this.weight, this.bias), mean, variance };
  }
}

/** PyTorch's names: the same layer serves `[B, C]` and NHWC `[B, H, W, C]` input. */
export const BatchNorm1d = BatchNorm;
export const BatchNorm2d = BatchNorm;
