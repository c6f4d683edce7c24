import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Model, Outputs, SigmaSampler, StepContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { drawSigmas } from '../../losses/edm.ts';
import { edmCoefficientArrays } from '../../losses/edm-precond.ts';
import { sequenceNoise } from '../../samplers/edm-heun.ts';
import { normalNoise } from '../../nn/gaussian-noise.ts';
import type { StaticDynamicModel } from '../sequential/types.ts';
import { SeriesEncoder } from './ts-encoder.ts';
import { FilmMlp } from './film-mlp.ts';
import { CodeMoments } from './code-moments.ts';
import { isSdaDenoiser, isSdaEncoder, type SdaDenoiser, type SdaEncoder } from './parts.ts';

export interface DiffSdaParams {
  frame_shape: number[];
  frames: number;
  s_dim: number;
  d_dim: number;
  hidden_dim: number;
  /** Denoiser MLP width is 4 × this (the seed's flag). */
  mlp_hidden_dim: number;
  /** Encoder MLP width is 4 × this. */
  mlp_hidden_dim_enc: number;
  mlp_layers: number;
  dropout: number;
  sigma_data: number;
  p_mean: number;
  p_std: number;
  noise_tiles: number;
  /** Sampling/inversion steps T (2T − 1 denoiser calls); the upstream's default was 1000 (bug 13). */
  diffusion_steps: number;
  /** Every step of a sequence starts sampling from the same noise draw. */
  shared_noise: boolean;
  sampler: unknown;
  /**
   * Optional built parts (`{target, params}` sub-configs): the encoder (e.g.
   * untangle.models.DiffSDAFrameEncoder) and the denoiser (untangle.models.DiffSDAUNet). Absent,
   * the series/audio pair is built from the flat keys above (re-injected MLP encoder, FiLM MLP).
   */
  encoder?: unknown;
  denoiser?: unknown;
  /** Seed of the noise that `decodeParts` starts from, so decoding is a function of the codes. */
  sample_seed: number;
}

function isSigmaSampler(v: unknown): v is SigmaSampler {
  return v !== null && typeof v === 'object' && typeof (v as SigmaSampler).invert === 'function' && typeof (v as SigmaSampler).sigmas === 'function';
}

/**
 * DiffSDA (sequential diffusion autoencoder): a semantic encoder gives one static code s and
 * per-step dynamic codes d_τ; an EDM denoiser reconstructs every step x_τ from noise given
 * a_τ = [d_τ, s]. One denoising loss trains both. Steps (feature frames `[F]`) or video frames
 * (`[H, W, C]`, data in [0, 1], denoised in [−1, 1] as EDM does pixels) are denoised as
 * independent rows `[B·T, ...frame]`, each with its own σ (ln σ ~ N(P_mean, P_std²));
 * `noise_tiles` copies of the batch, each with fresh σ and noise, share one encoder pass. `mask`
 * (1 = observed) zeroes missing entries at the input and is passed on so the loss leaves them
 * out. Running moments of s and d (an ex-post Gaussian, `CodeMoments`) stand in for the latent
 * DDPM prior in `sampleStatic`/`sampleDynamic`.
 */
export class DiffSDA extends Module implements Model, StaticDynamicModel {
  readonly encoder: SdaEncoder & Module;
  readonly denoiser: SdaDenoiser & Module;
  readonly sampler: SigmaSampler;
  readonly staticDim: number;
  readonly dynamicDim: number;
  readonly staticMoments: CodeMoments;
  readonly dynamicMoments: CodeMoments;
  private readonly frame: number[];
  /** Video frames: the model maps [0, 1] data to [−1, 1] and back. */
  private readonly images: boolean;

  constructor(readonly p: DiffSdaParams, sampler: unknown, rng: Rng) {
    super();
    if (!isSigmaSampler(sampler)) throw new UntangleError('not-sampler', 'DiffSDA needs a σ-based sampler (SigmaSampler), e.g. untangle.samplers.EDMHeun', {});
    this.sampler = sampler;
    this.frame = [...p.frame_shape];
    this.images = p.frame_shape.length === 3;
    if (!this.images && p.frame_shape.length !== 1) {
      throw new UntangleError('diffsda.frame_shape', `DiffSDA takes feature frames [F] or images [H, W, C], got [${p.frame_shape}]`, { frame_shape: p.frame_shape });
    }
    if (this.images && (p.encoder === undefined || p.denoiser === undefined)) {
      throw new UntangleError('diffsda.frame_shape', `image frames [${p.frame_shape}] need an encoder and a denoiser sub-config`, { frame_shape: p.frame_shape },
        'set model.params.encoder to untangle.models.DiffSDAFrameEncoder and model.params.denoiser to untangle.models.DiffSDAUNet (configs/sprites-diffsda.yaml)');
    }
    this.encoder = this.child('encoder', this.encoderFrom(p, rng));
    this.denoiser = this.child('denoiser', this.denoiserFrom(p, rng));
    this.staticDim = this.encoder.staticDim;
    this.dynamicDim = this.encoder.dynamicDim;
    if (this.staticDim !== p.s_dim || this.dynamicDim !== p.d_dim || this.denoiser.condDim !== p.s_dim + p.d_dim) {
      throw new UntangleError('diffsda.code_sizes', `encoder codes (s ${this.staticDim}, d ${this.dynamicDim}) and denoiser conditioning (${this.denoiser.condDim}) must match s_dim ${p.s_dim}, d_dim ${p.d_dim} (conditioning s_dim + d_dim)`,
        { s_dim: p.s_dim, d_dim: p.d_dim, encoder: [this.staticDim, this.dynamicDim], cond_dim: this.denoiser.condDim },
        'interpolate the parts\' sizes from the model: s_dim: ${model.params.s_dim}');
    }
    this.staticMoments = this.child('static_moments', new CodeMoments(p.s_dim));
    this.dynamicMoments = this.child('dynamic_moments', new CodeMoments(p.d_dim));
  }

  private encoderFrom(p: DiffSdaParams, rng: Rng): SdaEncoder & Module {
    if (p.encoder === undefined) {
      return new SeriesEncoder({
        features: p.frame_shape[0], mlpWidth: 4 * p.mlp_hidden_dim_enc, layers: p.mlp_layers, hidden: p.hidden_dim,
        staticDim: p.s_dim, dynamicDim: p.d_dim, dropout: p.dropout,
      }, rng);
    }
    if (!isSdaEncoder(p.encoder) || !(p.encoder instanceof Module)) {
      throw new UntangleError('diffsda.encoder', 'model.params.encoder must build a DiffSDA encoder (encode(x) → {s, d}), e.g. untangle.models.DiffSDAFrameEncoder', {});
    }
    return p.encoder;
  }

  private denoiserFrom(p: DiffSdaParams, rng: Rng): SdaDenoiser & Module {
    if (p.denoiser === undefined) {
      return new FilmMlp({
        features: p.frame_shape[0], width: 4 * p.mlp_hidden_dim, layers: p.mlp_layers, condDim: p.s_dim + p.d_dim, embedDim: 256, dropout: p.dropout,
      }, rng);
    }
    if (!isSdaDenoiser(p.denoiser) || !(p.denoiser instanceof Module)) {
      throw new UntangleError('diffsda.denoiser', 'model.params.denoiser must build a DiffSDA denoiser (denoise(y, c_noise, a)), e.g. untangle.models.DiffSDAUNet', {});
    }
    return p.denoiser;
  }

  /** a_τ = [d_τ, s] per step, as rows `[B·T, d + s]`. */
  private conditioning(s: tf.Tensor2D, d: tf.Tensor3D): tf.Tensor2D {
    const [b, t] = d.shape;
    const rep = tf.tile(tf.expandDims(s, 1), [1, t, 1]);
    return tf.reshape(tf.concat([d, rep], 2), [b * t, -1]) as tf.Tensor2D;
  }

  /** One value per row, shaped to broadcast over a row's frame `[N, 1, ...]`. */
  private column(v: Float32Array): tf.Tensor {
    return tf.tensor(v, [v.length, ...this.frame.map(() => 1)]);
  }

  /** D(y; σ) = c_skip·y + c_out·F(c_in·y, c_noise, a) over rows `[N, ...frame]`. */
  private precondDenoise(y: tf.Tensor, sigma: ArrayLike<number>, a: tf.Tensor2D, rng?: Rng): tf.Tensor {
    const c = edmCoefficientArrays(sigma, this.p.sigma_data);
    const f = this.denoiser.denoise(tf.mul(y, this.column(c.cIn)), tf.tensor1d(c.cNoise), a, rng);
    return tf.add(tf.mul(y, this.column(c.cSkip)), tf.mul(f, this.column(c.cOut)));
  }

  /** Data → the space the model denoises in ([0, 1] images → [−1, 1]; features unchanged). */
  private toModel(x: tf.Tensor): tf.Tensor {
    return this.images ? tf.sub(tf.mul(x, 2), 1) : x;
  }

  private toData(x: tf.Tensor): tf.Tensor {
    return this.images ? tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1) : x;
  }

  private prepared(batch: Batch): { x: tf.Tensor; mask: tf.Tensor | null } {
    const x = this.toModel(batch.x);
    const mask = batch.mask ?? null;
    return { x: mask ? tf.mul(x, mask) : x, mask };
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const { x, mask } = this.prepared(batch);
    const [b, t] = x.shape;
    const { s, d } = this.encoder.encode(x, ctx.rng);
    if (this.training) { this.staticMoments.update(s); this.dynamicMoments.update(d); }
    const k = this.p.noise_tiles;
    const a = tf.tile(this.conditioning(s, d), [k, 1]) as tf.Tensor2D;
    const rows = (v: tf.Tensor) => tf.tile(tf.reshape(v, [b * t, ...this.frame]), [k, ...this.frame.map(() => 1)]);
    const target = rows(x);
    const n = k * b * t;
    const sigma = drawSigmas(n, this.p.p_mean, this.p.p_std, ctx.rng);
    const noisy = tf.add(target, tf.mul(normalNoise([n, ...this.frame], ctx.rng), this.column(sigma)));
    const out: Outputs = { denoised: this.precondDenoise(noisy, sigma, a, ctx.rng), target, sigma: tf.tensor1d(sigma), s, d };
    if (mask) out.mask = rows(mask);
    return out;
  }

  private denoiserFor(a: tf.Tensor2D) {
    return (y: tf.Tensor, sigma: tf.Tensor1D) => this.precondDenoise(y, sigma.dataSync(), a);
  }

  /**
   * Runs `fn` with dropout off: the codes and samples metrics read are the deterministic ones,
   * whichever mode the trainer left the model in.
   */
  private inference<T>(fn: () => T): T {
    const was = this.training;
    this.eval();
    try { return fn(); } finally { this.train(was); }
  }

  encodeParts(x: tf.Tensor): { static: tf.Tensor2D; dynamic: tf.Tensor3D } {
    const { s, d } = this.inference(() => this.encoder.encode(this.toModel(x)));
    return { static: s, dynamic: d };
  }

  /** Samples every step from noise given a_τ = [d_τ, s], in data space; `noise` (unit, `[B, T, ...frame]`) defaults to a fixed-seed draw. */
  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D, noise?: tf.Tensor): tf.Tensor {
    const [b, t] = d.shape;
    const a = this.conditioning(s, d);
    const z = noise ?? sequenceNoise([b, t, ...this.frame], this.p.shared_noise, new Rng(this.p.sample_seed));
    const x = this.inference(() => this.sampler.sample(this.denoiserFor(a), tf.reshape(z, [b * t, ...this.frame]), undefined, this.p.diffusion_steps));
    return this.toData(tf.reshape(x, [b, t, ...this.frame]));
  }

  /** The unit noise x_T that the reverse ODE maps `x` to, given its own codes. */
  invert(x: tf.Tensor): tf.Tensor {
    const [b, t] = x.shape;
    const { static: s, dynamic: d } = this.encodeParts(x);
    const xt = this.inference(() => this.sampler.invert(this.denoiserFor(this.conditioning(s, d)), tf.reshape(this.toModel(x), [b * t, ...this.frame]), this.p.diffusion_steps));
    return tf.reshape(xt, [b, t, ...this.frame]);
  }

  /** Reconstruction from fresh noise (`inverted` false) or from x's own inverted x_T (near-exact). */
  reconstruct(x: tf.Tensor, inverted = false): tf.Tensor {
    const { static: s, dynamic: d } = this.encodeParts(x);
    return this.decodeParts(s, d, inverted ? this.invert(x) : undefined);
  }

  represent(x: tf.Tensor): tf.Tensor2D {
    return this.encodeParts(x).static;
  }

  /** s from the ex-post Gaussian of the training codes (the latent DDPM prior is not built). */
  sampleStatic(n: number, rng: Rng): tf.Tensor2D {
    return this.staticMoments.sample([n], rng) as tf.Tensor2D;
  }

  /** d_τ i.i.d. per step from the ex-post Gaussian of the training codes (no temporal prior). */
  sampleDynamic(n: number, steps: number, rng: Rng): tf.Tensor3D {
    return this.dynamicMoments.sample([n, steps], rng) as tf.Tensor3D;
  }
}

export const diffSdaSpec = defineComponent<DiffSdaParams, DiffSDA>({
  target: 'untangle.models.DiffSDA',
  kind: 'model',
  description: 'DiffSDA: sequential diffusion autoencoder (static s, dynamic d_τ, EDM denoiser conditioned on [d_τ, s])',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      frame_shape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 3, default: [1], description: '[F] feature frames or [H, W, C] images in [0, 1]' },
      frames: { type: 'integer', minimum: 1, default: 100 },
      s_dim: { type: 'integer', minimum: 1, default: 16 },
      d_dim: { type: 'integer', minimum: 1, default: 4 },
      hidden_dim: { type: 'integer', minimum: 1, default: 512 },
      mlp_hidden_dim: { type: 'integer', minimum: 1, default: 256 },
      mlp_hidden_dim_enc: { type: 'integer', minimum: 1, default: 128 },
      mlp_layers: { type: 'integer', minimum: 1, default: 5 },
      dropout: { type: 'number', minimum: 0, maximum: 0.99, default: 0.1 },
      sigma_data: { type: 'number', exclusiveMinimum: 0, default: 1.0, description: 'std of the data (z-scored series: 1; bug 12)' },
      p_mean: { type: 'number', default: -0.4 },
      p_std: { type: 'number', exclusiveMinimum: 0, default: 1.0 },
      noise_tiles: { type: 'integer', minimum: 1, default: 10, description: 'batch copies with independent σ and noise per step (effective batch × this)' },
      diffusion_steps: { type: 'integer', minimum: 1, default: 18 },
      shared_noise: { type: 'boolean', default: false },
      sampler: { 'x-kind': 'sampler', default: { target: 'untangle.samplers.EDMHeun', params: {} } },
      // No defaults: absent, the series/audio pair is built from the flat keys (and the series
      // configs resolve exactly as before).
      encoder: { 'x-kind': 'model', description: 'e.g. untangle.models.DiffSDAFrameEncoder (absent: the series MLP/BiLSTM encoder)' },
      denoiser: { 'x-kind': 'model', description: 'e.g. untangle.models.DiffSDAUNet (absent: the FiLM MLP)' },
      sample_seed: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p, ctx) => new DiffSDA(p, p.sampler, new Rng(ctx.seed)),
});
