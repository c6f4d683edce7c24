import * as tf from '@tensorflow/tfjs-core';
import { Module, init } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { stopGradient } from '../../nn/stop-gradient.ts';

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
  /** How many distinct codes this batch used. */
  usedCodes: tf.Scalar;
}

/**
 * Remedies for codebook collapse (a few codes take every assignment, the rest never move). Both
 * off reproduce the reference (taming's uniform init, no restarts).
 */
export interface CodebookOptions {
  /** `uniform`: taming's U(−1/n, 1/n). `kmeans`: k-means on the first training batch's encoder outputs. */
  init: 'uniform' | 'kmeans';
  /** Replace codes whose usage EMA falls below `deadThreshold` by random encoder outputs of the last batch. */
  restartDead: boolean;
  /** In assignments per step (usage EMA of the per-step counts). */
  deadThreshold: number;
  usageDecay: number;
  /** Lloyd iterations of the k-means init. */
  kmeansIters: number;
}

export const DEFAULT_CODEBOOK_OPTIONS: CodebookOptions = { init: 'uniform', restartDead: false, deadThreshold: 0.1, usageDecay: 0.99, kmeansIters: 10 };

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
  /** Usage EMA per code (with `restartDead`); a checkpointed buffer. */
  private readonly usage: tf.Variable | null;
  /** 1 once the data-driven init ran (with `init: kmeans`); a checkpointed buffer, so a resume does not redo it. */
  private readonly initialised: tf.Variable | null;
  /** Mirrors `initialised` once it reads 1, so training steps stop reading the buffer back. */
  private initDone = false;
  private last: { z: tf.Tensor2D; onehot: tf.Tensor2D } | null = null;
  private readonly opts: CodebookOptions;
  private readonly rng: Rng;
  /**
   * A frozen codebook keeps its codes: no k-means init, EMA update or restart (V3's few-shot
   * adaptation fine-tunes the encoder against a fixed vocabulary).
   */
  codebookFrozen = false;

  constructor(readonly nEmbed: number, readonly dim: number, rng: Rng, readonly ema = false, readonly decay = 0.99, readonly eps = 1e-5, opts: Partial<CodebookOptions> = {}) {
    super();
    this.opts = { ...DEFAULT_CODEBOOK_OPTIONS, ...opts };
    this.rng = rng.fork();
    // taming: uniform(−1/n_e, 1/n_e).
    this.embedding = this.param('embedding', [nEmbed, dim], init.uniform(-1 / nEmbed, 1 / nEmbed), rng, !ema);
    // Counts start at 1 with sums equal to the codes, so a code never assigned keeps its value (sum/count is invariant
    // under the decay) instead of being divided by a vanishing count.
    this.clusterSize = ema ? this.param('cluster_size', [nEmbed], init.ones(), rng, false) : null;
    this.embedSum = ema ? this.param('embed_sum', [nEmbed, dim], () => new Float32Array(this.embedding.dataSync()), rng, false) : null;
    // Usage starts at the threshold, so a code no batch ever picks is restarted after the first step.
    this.usage = this.opts.restartDead ? this.param('usage', [nEmbed], () => new Float32Array(nEmbed).fill(this.opts.deadThreshold), rng, false) : null;
    this.initialised = this.opts.init === 'kmeans' ? this.param('initialised', [1], init.zeros(), rng, false) : null;
  }

  /** The encoder outputs of the last training batch are kept when an update after the step needs them. */
  private get keepsLast(): boolean {
    return !this.codebookFrozen && (this.ema || this.opts.restartDead);
  }

  /** `z [B,H,W,dim]` → quantised latents and the VQ terms. */
  forward(z: tf.Tensor): QuantizeOutput {
    const flat = tf.reshape(z, [-1, this.dim]) as tf.Tensor2D;
    if (this.training && !this.codebookFrozen && this.initialised && !this.initDone) {
      if (this.initialised.dataSync()[0] === 0) this.kmeansInit(flat);
      this.initDone = true;
    }
    const indices = this.nearest(flat);
    const onehot = tf.cast(tf.oneHot(indices, this.nEmbed), 'float32') as tf.Tensor2D;
    const e = tf.matMul(onehot, this.embedding);
    const codebook = this.ema ? tf.scalar(0) : tf.mean(tf.square(tf.sub(stopGradient(flat), e))) as tf.Scalar;
    const commitment = tf.mean(tf.square(tf.sub(flat, stopGradient(e)))) as tf.Scalar;
    const zqFlat = tf.add(flat, stopGradient(tf.sub(e, flat)));
    const usage = tf.mean(onehot, 0);
    const perplexity = tf.exp(tf.neg(tf.sum(tf.mul(usage, tf.log(tf.add(usage, 1e-10)))))) as tf.Scalar;
    const usedCodes = tf.sum(tf.cast(tf.greater(usage, 0), 'float32')) as tf.Scalar;
    if (this.keepsLast && this.training) {
      this.last?.z.dispose();
      this.last?.onehot.dispose();
      this.last = { z: tf.keep(stopGradient(flat)), onehot: tf.keep(tf.clone(onehot)) };
    }
    return { zq: tf.reshape(zqFlat, z.shape), codebook, commitment, indices, perplexity, usedCodes };
  }

  /**
   * Data-driven init: k-means (Lloyd, k-means++ seeding) on this batch's encoder outputs, so every
   * code starts where the data are (with fewer vectors than codes, the rest are jittered copies).
   */
  private kmeansInit(flat: tf.Tensor2D): void {
    const pts = stopGradient(flat).dataSync() as Float32Array;
    const centres = kmeans(pts, pts.length / this.dim, this.dim, this.nEmbed, this.opts.kmeansIters, this.rng);
    this.embedding.assign(tf.tensor2d(centres, [this.nEmbed, this.dim]));
    if (this.embedSum && this.clusterSize) {
      this.embedSum.assign(tf.tensor2d(centres, [this.nEmbed, this.dim]));
      this.clusterSize.assign(tf.ones([this.nEmbed]));
    }
    this.initialised?.assign(tf.ones([1]));
  }

  /** How many codes are dead now (usage EMA below the threshold); null without `restartDead`. */
  deadCodes(): number | null {
    if (!this.usage) return null;
    const u = this.usage.dataSync();
    let n = 0;
    for (let i = 0; i < u.length; i++) if (u[i] < this.opts.deadThreshold) n++;
    return n;
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

  /** The updates after an optimiser step: the EMA codebook, then dead-code restarts. */
  afterStep(): void {
    if (!this.last) return;
    this.emaUpdate(this.last);
    this.restartDead(this.last);
    this.last.z.dispose();
    this.last.onehot.dispose();
    this.last = null;
  }

  /**
   * Dead-code restarts (as in Jukebox / Dhariwal et al. 2020): the per-step assignment counts feed
   * a usage EMA; every code below the threshold is moved onto a random encoder output of the last
   * batch (plus a little noise so that two restarts on one vector separate), and its usage is set
   * to twice the threshold: a grace period of ~70 steps (decay 0.99) to win assignments.
   */
  private restartDead(last: { z: tf.Tensor2D; onehot: tf.Tensor2D }): void {
    if (!this.usage) return;
    const u = this.usage;
    const d = this.opts.usageDecay;
    tf.tidy(() => { u.assign(tf.add(tf.mul(u, d), tf.mul(tf.sum(last.onehot, 0), 1 - d))); });
    const usage = u.dataSync();
    const dead: number[] = [];
    for (let i = 0; i < this.nEmbed; i++) if (usage[i] < this.opts.deadThreshold) dead.push(i);
    if (dead.length === 0) return;
    const pts = last.z.dataSync() as Float32Array;
    const n = pts.length / this.dim;
    const codes = new Float32Array(this.embedding.dataSync());
    const sums = this.embedSum ? new Float32Array(this.embedSum.dataSync()) : null;
    const counts = this.clusterSize ? new Float32Array(this.clusterSize.dataSync()) : null;
    const spread = pointSpread(pts, n, this.dim);
    const newUsage = new Float32Array(usage);
    for (const k of dead) {
      const j = this.rng.int(n);
      for (let a = 0; a < this.dim; a++) codes[k * this.dim + a] = pts[j * this.dim + a] + 0.01 * spread[a] * this.rng.normal();
      if (sums && counts) {
        counts[k] = 1;
        for (let a = 0; a < this.dim; a++) sums[k * this.dim + a] = codes[k * this.dim + a];
      }
      newUsage[k] = 2 * this.opts.deadThreshold;
    }
    this.embedding.assign(tf.tensor2d(codes, [this.nEmbed, this.dim]));
    if (sums && counts && this.embedSum && this.clusterSize) {
      this.embedSum.assign(tf.tensor2d(sums, [this.nEmbed, this.dim]));
      this.clusterSize.assign(tf.tensor1d(counts));
    }
    u.assign(tf.tensor1d(newUsage));
  }

  /** EMA codebook update from the last training forward pass. */
  private emaUpdate(last: { z: tf.Tensor2D; onehot: tf.Tensor2D }): void {
    if (!this.ema || !this.clusterSize || !this.embedSum) return;
    const { z, onehot } = last;
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
  }
}

/** Per-coordinate standard deviation of `n` points of `dim` numbers. */
function pointSpread(pts: Float32Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) mean[a] += pts[i * dim + a] / n;
  for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) sd[a] += (pts[i * dim + a] - mean[a]) ** 2 / n;
  return sd.map(Math.sqrt);
}

/**
 * k-means (k-means++ seeding, then `iters` Lloyd steps) of `n` points of `dim` numbers into `k`
 * centres, `[k·dim]`. An empty cluster keeps its centre. With fewer points than centres, the
 * extra centres are jittered copies of random points.
 */
export function kmeans(pts: Float32Array, n: number, dim: number, k: number, iters: number, rng: Rng): Float32Array {
  const c = new Float32Array(k * dim);
  const spread = pointSpread(pts, n, dim);
  const d2 = new Float64Array(n).fill(Infinity);
  const seeds = Math.min(k, n);
  const dist = (i: number, j: number) => {
    let s = 0;
    for (let a = 0; a < dim; a++) s += (pts[i * dim + a] - c[j * dim + a]) ** 2;
    return s;
  };
  for (let j = 0; j < seeds; j++) {
    let pick = rng.int(n);
    if (j > 0) {
      let total = 0;
      for (let i = 0; i < n; i++) total += d2[i];
      if (total > 0) {
        let r = rng.uniform() * total;
        for (pick = 0; pick < n - 1 && r >= d2[pick]; pick++) r -= d2[pick];
      }
    }
    for (let a = 0; a < dim; a++) c[j * dim + a] = pts[pick * dim + a];
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i], dist(i, j));
  }
  for (let j = seeds; j < k; j++) {
    const p = rng.int(n);
    for (let a = 0; a < dim; a++) c[j * dim + a] = pts[p * dim + a] + 0.01 * spread[a] * rng.normal();
  }
  const assign = new Int32Array(n);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      for (let j = 0; j < k; j++) {
        const dd = dist(i, j);
        if (dd < bd) { bd = dd; best = j; }
      }
      assign[i] = best;
    }
    const sum = new Float64Array(k * dim);
    const cnt = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      cnt[assign[i]]++;
      for (let a = 0; a < dim; a++) sum[assign[i] * dim + a] += pts[i * dim + a];
    }
    for (let j = 0; j < k; j++) if (cnt[j] > 0) for (let a = 0; a < dim; a++) c[j * dim + a] = sum[j * dim + a] / cnt[j];
  }
  return c;
}
