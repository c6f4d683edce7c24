import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { normalNoise, reparameterize } from '../../nn/gaussian-noise.ts';
import { GaussianHead } from './frame-nets.ts';
import { StackedLSTM } from './stacked-lstm.ts';
import type { StaticDynamicModel } from './types.ts';

export interface FhvaeParams {
  features: number;
  segment_len: number;
  z1_dim: number;
  z2_dim: number;
  hidden: number;
  layers: number;
  /** Rows of the μ2 table: the number of training sequences (utterances). */
  num_sequences: number;
  /** Standard deviation of p(z2 | μ2) (0.5 in Hsu et al.). */
  z2_prior_std: number;
}

/**
 * Factorized Hierarchical VAE (Hsu, Zhang & Glass, NeurIPS 2017). Each sequence is cut into
 * segments of `segment_len` frames; per segment a sequence-level latent z2 (speaker) and a
 * segment-level z1 (content): q(z2 | x) from an LSTM over x, q(z1 | x, z2) from an LSTM over
 * [x, z2], p(x | z1, z2) from an LSTM over [z1, z2] with Gaussian outputs. Priors: z1 ~ N(0, I),
 * z2 ~ N(μ2_i, 0.5² I) with μ2_i ~ N(0, I) a LEARNED row per training sequence i — a trainable
 * variable created once (the seeds' port re-drew the table at every forward pass, so it was never
 * learned). `batch.sequence` gives each example's row.
 */
export class FHVAE extends Module implements Model, StaticDynamicModel {
  private readonly z2Enc: StackedLSTM;
  private readonly z2Head: GaussianHead;
  private readonly z1Enc: StackedLSTM;
  private readonly z1Head: GaussianHead;
  private readonly dec: StackedLSTM;
  private readonly xMu: Linear;
  private readonly xLogvar: Linear;
  readonly mu2Table: tf.Variable;
  readonly staticDim: number;
  readonly dynamicDim: number;

  constructor(readonly p: FhvaeParams, rng: Rng) {
    super();
    this.staticDim = p.z2_dim;
    this.dynamicDim = p.z1_dim;
    this.z2Enc = this.child('z2_encoder', new StackedLSTM(p.features, p.hidden, p.layers, rng));
    this.z2Head = this.child('z2_head', new GaussianHead(p.hidden, p.z2_dim, rng));
    this.z1Enc = this.child('z1_encoder', new StackedLSTM(p.features + p.z2_dim, p.hidden, p.layers, rng));
    this.z1Head = this.child('z1_head', new GaussianHead(p.hidden, p.z1_dim, rng));
    this.dec = this.child('decoder', new StackedLSTM(p.z1_dim + p.z2_dim, p.hidden, p.layers, rng));
    this.xMu = this.child('x_mu', new Linear(p.hidden, p.features, rng));
    this.xLogvar = this.child('x_logvar', new Linear(p.hidden, p.features, rng));
    this.mu2Table = this.param('mu2_table', [p.num_sequences, p.z2_dim], (shape, r) => r.fillNormal(new Float32Array(shape[0] * shape[1])), rng);
  }

  /** `[B, T, F]` → segments `[B·n, L, F]` (a trailing partial segment is dropped) and n. */
  segments(x: tf.Tensor): { seg: tf.Tensor3D; n: number } {
    const [b, t, f] = x.shape;
    const L = this.p.segment_len;
    const n = Math.floor(t / L);
    if (n < 1 || f !== this.p.features) {
      throw new UntangleError('fhvae.shape', `FHVAE needs [B, T ≥ ${L}, ${this.p.features}] input, got [${x.shape}]`, { shape: x.shape });
    }
    return { seg: tf.reshape(tf.slice(x, [0, 0, 0], [b, n * L, f]), [b * n, L, f]) as tf.Tensor3D, n };
  }

  private encodeZ2(seg: tf.Tensor3D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const r = this.z2Head.forward(this.z2Enc.forward(seg).h);
    return { mu: r.mu as tf.Tensor2D, logvar: r.logvar as tf.Tensor2D };
  }

  private encodeZ1(seg: tf.Tensor3D, z2: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const rep = tf.tile(tf.expandDims(z2, 1), [1, seg.shape[1], 1]);
    const r = this.z1Head.forward(this.z1Enc.forward(tf.concat([seg, rep], 2) as tf.Tensor3D).h);
    return { mu: r.mu as tf.Tensor2D, logvar: r.logvar as tf.Tensor2D };
  }

  private decodeSegments(z1: tf.Tensor2D, z2: tf.Tensor2D): { mu: tf.Tensor3D; logvar: tf.Tensor3D } {
    const L = this.p.segment_len;
    const zin = tf.tile(tf.expandDims(tf.concat([z1, z2], 1), 1), [1, L, 1]) as tf.Tensor3D;
    const h = this.dec.forward(zin).output;
    return { mu: this.xMu.forward(h) as tf.Tensor3D, logvar: this.xLogvar.forward(h) as tf.Tensor3D };
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const { seg, n } = this.segments(batch.x);
    if (!batch.sequence) throw new UntangleError('fhvae.sequence', 'FHVAE needs `sequence` ids in the batch', { keys: Object.keys(batch) });
    const seq = tf.reshape(tf.tile(tf.reshape(batch.sequence, [-1, 1]), [1, n]), [-1]) as tf.Tensor1D;
    const q2 = this.encodeZ2(seg);
    const z2 = reparameterize(q2.mu, q2.logvar, ctx.rng) as tf.Tensor2D;
    const q1 = this.encodeZ1(seg, z2);
    const z1 = reparameterize(q1.mu, q1.logvar, ctx.rng) as tf.Tensor2D;
    const x = this.decodeSegments(z1, z2);
    return {
      x_hat: x.mu, x_logvar: x.logvar, x_target: seg,
      z1_mu: q1.mu, z1_logvar: q1.logvar, z2_mu: q2.mu, z2_logvar: q2.logvar, z2,
      // One-hot × table rather than gather: tfjs-wasm has no UnsortedSegmentSum for gather's gradient.
      z2_prior_mu: tf.matMul(tf.oneHot(seq, this.p.num_sequences) as tf.Tensor2D, this.mu2Table as tf.Tensor2D), z2_prior_logvar: tf.fill(q2.mu.shape, 2 * Math.log(this.p.z2_prior_std)),
      mu2_table: this.mu2Table, seq, segments: tf.scalar(n),
    };
  }

  encodeParts(x: tf.Tensor): { static: tf.Tensor2D; dynamic: tf.Tensor3D } {
    const { seg, n } = this.segments(x);
    const b = x.shape[0];
    const z2 = this.encodeZ2(seg).mu;
    const z1 = this.encodeZ1(seg, z2).mu;
    return {
      static: tf.mean(tf.reshape(z2, [b, n, this.p.z2_dim]), 1) as tf.Tensor2D,
      dynamic: tf.reshape(z1, [b, n, this.p.z1_dim]) as tf.Tensor3D,
    };
  }

  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D): tf.Tensor {
    const [b, n] = d.shape;
    const z2 = tf.reshape(tf.tile(tf.expandDims(s, 1), [1, n, 1]), [b * n, this.p.z2_dim]) as tf.Tensor2D;
    const mu = this.decodeSegments(tf.reshape(d, [b * n, this.p.z1_dim]) as tf.Tensor2D, z2).mu;
    return tf.reshape(mu, [b, n * this.p.segment_len, this.p.features]);
  }

  sampleStatic(n: number, rng: Rng): tf.Tensor2D {
    return normalNoise([n, this.p.z2_dim], rng) as tf.Tensor2D;
  }

  sampleDynamic(n: number, steps: number, rng: Rng): tf.Tensor3D {
    return normalNoise([n, steps, this.p.z1_dim], rng) as tf.Tensor3D;
  }

  reconstruct(x: tf.Tensor): tf.Tensor {
    const { static: s, dynamic: d } = this.encodeParts(x);
    return this.decodeParts(s, d);
  }

  /** The sequence-level code z2 (averaged over the sequence's segments): the speaker embedding. */
  represent(x: tf.Tensor): tf.Tensor2D {
    return this.encodeParts(x).static;
  }
}

export const fhvaeSpec = defineComponent<FhvaeParams, FHVAE>({
  target: 'untangle.models.FHVAE',
  kind: 'model',
  description: 'Factorized Hierarchical VAE (Hsu et al. 2017): segment z1, sequence z2 with a learned per-sequence prior mean μ2',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['num_sequences'],
    properties: {
      features: { type: 'integer', minimum: 1, default: 80 },
      segment_len: { type: 'integer', minimum: 1, default: 20 },
      z1_dim: { type: 'integer', minimum: 1, default: 16 },
      z2_dim: { type: 'integer', minimum: 1, default: 16 },
      hidden: { type: 'integer', minimum: 1, default: 128 },
      layers: { type: 'integer', minimum: 1, default: 2 },
      num_sequences: { type: 'integer', minimum: 1 },
      z2_prior_std: { type: 'number', exclusiveMinimum: 0, default: 0.5 },
    },
  },
  create: (p, ctx) => new FHVAE(p, new Rng(ctx.seed)),
});
