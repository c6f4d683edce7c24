import * as tf from '@tensorflow/tfjs-core';
import { Module, init } from '../../nn/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { normalNoise } from '../../nn/gaussian-noise.ts';

/**
 * An ex-post diagonal Gaussian over codes (a fit to the aggregate posterior, as in RAE, Ghosh et
 * al. 2020): running mean and variance of the codes seen in training (buffers, saved with the
 * checkpoint; new = (1 − m)·old + m·batch, as BatchNorm's running statistics). It lets
 * `sampleStatic`/`sampleDynamic` answer without DiffSDA's latent DDPM stage, so the swap metric's
 * fixed-static / fixed-dynamic generations run; the dynamic draws are independent per step (no
 * temporal model), which is what the missing latent prior would add.
 */
export class CodeMoments extends Module {
  readonly mean: tf.Variable;
  readonly variance: tf.Variable;

  constructor(readonly dim: number, readonly momentum = 0.01) {
    super();
    const rng = new Rng(0); // zeros/ones: never read
    this.mean = this.param('mean', [dim], init.zeros(), rng, false);
    this.variance = this.param('var', [dim], init.ones(), rng, false);
  }

  /** Folds codes `[..., dim]` into the running moments; no gradient flows through it. */
  update(codes: tf.Tensor): void {
    tf.tidy(() => {
      const rows = tf.reshape(codes, [-1, this.dim]);
      const { mean, variance } = tf.moments(rows, 0);
      const m = this.momentum;
      this.mean.assign(tf.add(tf.mul(this.mean, 1 - m), tf.mul(mean, m)));
      this.variance.assign(tf.add(tf.mul(this.variance, 1 - m), tf.mul(variance, m)));
    });
  }

  /** `[...shape, dim]` draws from N(mean, diag var). */
  sample(shape: number[], rng: Rng): tf.Tensor {
    return tf.tidy(() => tf.add(tf.mul(normalNoise([...shape, this.dim], rng), tf.sqrt(this.variance)), this.mean));
  }
}
