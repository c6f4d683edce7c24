import * as tf from '@tensorflow/tfjs-core';
import { Module, init } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { stopGradient } from '../common/stop-gradient.ts';

export interface QuantizeOutput {
  /** Straight-through quantised latents: forward value = nearest codes, gradient passes to `z`. */
  zq: tf.Tensor;
  /** ‖sg(z) − e‖² averaged: moves the codebook towards the encoder outputs (0 with EMA updates). */
  codebook: tf.Scalar;
  /** ‖z − sg(e)‖² averaged: keeps the encoder committed to its codes (weighted by β in the loss). */
  commitment: tf.Scalar;
  /** Code index of every latent vector, `[B·H·W]`. */
  indices: tf.Tensor1D;
  /** Perplexity of the code usage in this batch (exp of the entropy). */
  perplexity: tf.Scalar;
}

/**
 * The VQ-VAE codebook (van den Oord et al. 2017; taming's VectorQuantizer2 with `legacy=False`:
 * β on the commitment term). Codes are chosen by nearest Euclidean distance and looked up with a
 * one-hot matrix product (differentiable, and it needs no gather gradient).
 *
 * With `ema`, the codebook is not learned by gradient: `afterStep` moves each code to the
 * exponential moving average of the encoder outputs assigned to it (Razavi et al. 2019, with
 * Laplace smoothing of the counts), and the codebook term is 0.
 */
export class VectorQuantizer extends Module {
  readonly embedding: tf.Variable;
  private readonly clusterSize: tf.Variable | null;
  private readonly embedSum: tf.Variable | null;
  private last: { z: tf.Tensor2D; onehot: tf.Tensor2D } | null = null;

  constructor(readonly nEmbed: number, readonly dim: number, rng: Rng, readonly ema = false, readonly decay = 0.99, readonly eps = 1e-5) {
    super();
    // taming: uniform(−1/n_e, 1/n_e).
    this.embedding = this.param('embedding', [nEmbed, dim], init.uniform(-1 / nEmbed, 1 / nEmbed), rng, !ema);
    // Counts start at 1 with sums equal to the codes, so a code never assigned keeps its value (sum/count is invariant
    // under the decay) instead of being divided by a vanishing count.
    this.clusterSize = ema ? this.param('cluster_size', [nEmbed], init.ones(), rng, false) : null;
    this.embedSum = ema ? this.param('embed_sum', [nEmbed, dim], () => new Float32Array(this.embedding.dataSync()), rng, false) : null;
  }

  /** `z [B,H,W,dim]` → quantised latents and the VQ terms. */
  forward(z: tf.Tensor): QuantizeOutput {
    const flat = tf.reshape(z, [-1, this.dim]) as tf.Tensor2D;
    const indices = this.nearest(flat);
    const onehot = tf.cast(tf.oneHot(indices, this.nEmbed), 'float32') as tf.Tensor2D;
    const e = tf.matMul(onehot, this.embedding);
    const codebook = this.ema ? tf.scalar(0) : tf.mean(tf.square(tf.sub(stopGradient(flat), e))) as tf.Scalar;
    const commitment = tf.mean(tf.square(tf.sub(flat, stopGradient(e)))) as tf.Scalar;
    const zqFlat = tf.add(flat, stopGradient(tf.sub(e, flat)));
    const usage = tf.mean(onehot, 0);
    const perplexity = tf.exp(tf.neg(tf.sum(tf.mul(usage, tf.log(tf.add(usage, 1e-10)))))) as tf.Scalar;
    if (this.ema && this.training) {
      this.last?.z.dispose();
      this.last?.onehot.dispose();
      this.last = { z: tf.keep(stopGradient(flat)), onehot: tf.keep(tf.clone(onehot)) };
    }
    return { zq: tf.reshape(zqFlat, z.shape), codebook, commitment, indices, perplexity };
  }

  /** Index of the nearest code for each row (no gradient). */
  nearest(flat: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const f = stopGradient(flat);
      const d = tf.add(tf.sub(tf.sum(tf.square(f), 1, true), tf.mul(2, tf.matMul(f, this.embedding, false, true))), tf.sum(tf.square(this.embedding), 1));
      return tf.argMin(d, 1) as tf.Tensor1D;
    });
  }

  /** Codes for indices: `[n]` → `[n, dim]`. */
  lookup(indices: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(tf.cast(tf.oneHot(indices, this.nEmbed), 'float32'), this.embedding) as tf.Tensor2D);
  }

  /** EMA codebook update from the last training forward pass. */
  emaUpdate(): void {
    if (!this.ema || !this.last || !this.clusterSize || !this.embedSum) return;
    const { z, onehot } = this.last;
    const cs = this.clusterSize;
    const es = this.embedSum;
    tf.tidy(() => {
      const g = this.decay;
      const newCount = tf.add(tf.mul(cs, g), tf.mul(tf.sum(onehot, 0), 1 - g));
      const newSum = tf.add(tf.mul(es, g), tf.mul(tf.matMul(onehot, z, true, false), 1 - g));
      const n = tf.sum(newCount);
      const smoothed = tf.mul(tf.div(tf.add(newCount, this.eps), tf.add(n, this.nEmbed * this.eps)), n);
      cs.assign(newCount);
      es.assign(newSum);
      this.embedding.assign(tf.div(newSum, tf.expandDims(smoothed, 1)));
    });
    z.dispose();
    onehot.dispose();
    this.last = null;
  }
}
