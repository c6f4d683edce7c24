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
  /** Seed of the noise that `decodeParts` starts from, so decoding is a function of the codes. */
  sample_seed: number;
}

function isSigmaSampler(v: unknown): v is SigmaSampler {
  return v !== null && typeof v === 'object' && typeof (v as SigmaSampler).invert === 'function' && typeof (v as SigmaSampler).sigmas === 'function';
}

/**
 * DiffSDA (sequential diffusion autoencoder, series and audio): a semantic encoder gives one
 * static code s and per-step dynamic codes d_τ; an EDM denoiser reconstructs every step x_τ from
 * noise given a_τ = [d_τ, s]. One denoising loss trains both. Steps are denoised as independent
 * rows `[B·T, F]`, each with its own σ (ln σ ~ N(P_mean, P_std²)); `noise_tiles` copies of the
 * batch, each with fresh σ and noise, share one encoder pass. `mask` (1 = observed) zeroes
 * missing entries at the input and is passed on so the loss leaves them out.
 */
export class DiffSDA extends Module implements Model, StaticDynamicModel {
  readonly encoder: SeriesEncoder;
  readonly denoiser: FilmMlp;
  readonly sampler: SigmaSampler;
  readonly staticDim: number;
  readonly dynamicDim: number;
  private readonly features: number;

  constructor(readonly p: DiffSdaParams, sampler: unknown, rng: Rng) {
    super();
    if (!isSigmaSampler(sampler)) throw new UntangleError('not-sampler', 'DiffSDA needs a σ-based sampler (SigmaSampler), e.g. untangle.samplers.EDMHeun', {});
    if (p.frame_shape.length !== 1) {
      throw new UntangleError('diffsda.frame_shape', `this DiffSDA takes feature frames [F], got [${p.frame_shape}]`, { frame_shape: p.frame_shape },
        'video frames need the conv encoder and UNet denoiser, not built yet');
    }
    this.sampler = sampler;
    this.features = p.frame_shape[0];
    this.staticDim = p.s_dim;
    this.dynamicDim = p.d_dim;
    this.encoder = this.child('encoder', new SeriesEncoder({
      features: this.features, mlpWidth: 4 * p.mlp_hidden_dim_enc, layers: p.mlp_layers, hidden: p.hidden_dim,
      staticDim: p.s_dim, dynamicDim: p.d_dim, dropout: p.dropout,
    }, rng));
    this.denoiser = this.child('denoiser', new FilmMlp({
      features: this.features, width: 4 * p.mlp_hidden_dim, layers: p.mlp_layers, condDim: p.s_dim + p.d_dim, embedDim: 256, dropout: p.dropout,
    }, rng));
  }

  /** a_τ = [d_τ, s] per step, as rows `[B·T, d + s]`. */
  private conditioning(s: tf.Tensor2D, d: tf.Tensor3D): tf.Tensor2D {
    const [b, t] = d.shape;
    const rep = tf.tile(tf.expandDims(s, 1), [1, t, 1]);
    return tf.reshape(tf.concat([d, rep], 2), [b * t, -1]) as tf.Tensor2D;
  }

  /** D(y; σ) = c_skip·y + c_out·F(c_in·y, c_noise, a) over rows `[N, F]`. */
  private precondDenoise(y: tf.Tensor, sigma: ArrayLike<number>, a: tf.Tensor2D, rng?: Rng): tf.Tensor {
    const c = edmCoefficientArrays(sigma, this.p.sigma_data);
    const col = (v: Float32Array) => tf.tensor2d(v, [v.length, 1]);
    const f = this.denoiser.denoise(tf.mul(y, col(c.cIn)) as tf.Tensor2D, tf.tensor1d(c.cNoise), a, rng);
    return tf.add(tf.mul(y, col(c.cSkip)), tf.mul(f, col(c.cOut)));
  }

  private prepared(batch: Batch): { x: tf.Tensor3D; mask: tf.Tensor3D | null } {
    const x = batch.x as tf.Tensor3D;
    const mask = (batch.mask as tf.Tensor3D | undefined) ?? null;
    return { x: mask ? tf.mul(x, mask) as tf.Tensor3D : x, mask };
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const { x, mask } = this.prepared(batch);
    const [b, t, f] = x.shape;
    const { s, d } = this.encoder.encode(x, ctx.rng);
    const k = this.p.noise_tiles;
    const a = tf.tile(this.conditioning(s, d), [k, 1]) as tf.Tensor2D;
    const target = tf.tile(tf.reshape(x, [b * t, f]), [k, 1]);
    const n = k * b * t;
    const sigma = drawSigmas(n, this.p.p_mean, this.p.p_std, ctx.rng);
    const noisy = tf.add(target, tf.mul(normalNoise([n, f], ctx.rng), tf.tensor2d(sigma, [n, 1])));
    const out: Outputs = { denoised: this.precondDenoise(noisy, sigma, a, ctx.rng), target, sigma: tf.tensor1d(sigma), s, d };
    if (mask) out.mask = tf.tile(tf.reshape(mask, [b * t, f]), [k, 1]);
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
    const { s, d } = this.inference(() => this.encoder.encode(x as tf.Tensor3D));
    return { static: s, dynamic: d };
  }

  /** Samples every step from noise given a_τ = [d_τ, s]; `noise` (unit, `[B, T, F]`) defaults to a fixed-seed draw. */
  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D, noise?: tf.Tensor): tf.Tensor {
    const [b, t] = d.shape;
    const a = this.conditioning(s, d);
    const z = noise ?? sequenceNoise([b, t, this.features], this.p.shared_noise, new Rng(this.p.sample_seed));
    const x = this.inference(() => this.sampler.sample(this.denoiserFor(a), tf.reshape(z, [b * t, this.features]), undefined, this.p.diffusion_steps));
    return tf.reshape(x, [b, t, this.features]);
  }

  /** The unit noise x_T that the reverse ODE maps `x` to, given its own codes. */
  invert(x: tf.Tensor): tf.Tensor {
    const [b, t] = x.shape;
    const { static: s, dynamic: d } = this.encodeParts(x);
    const xt = this.inference(() => this.sampler.invert(this.denoiserFor(this.conditioning(s, d)), tf.reshape(x, [b * t, this.features]), this.p.diffusion_steps));
    return tf.reshape(xt, [b, t, this.features]);
  }

  /** Reconstruction from fresh noise (`inverted` false) or from x's own inverted x_T (near-exact). */
  reconstruct(x: tf.Tensor, inverted = false): tf.Tensor {
    const { static: s, dynamic: d } = this.encodeParts(x);
    return this.decodeParts(s, d, inverted ? this.invert(x) : undefined);
  }

  represent(x: tf.Tensor): tf.Tensor2D {
    return this.encodeParts(x).static;
  }

  sampleStatic(_n: number, _rng: Rng): tf.Tensor2D {
    throw new UntangleError('diffsda.no_prior', 'DiffSDA has no prior over s without its latent DDPM stage, which is not built yet', {},
      'swap and EER metrics use encoded codes; unconditional generation needs the latent prior');
  }

  sampleDynamic(_n: number, _steps: number, _rng: Rng): tf.Tensor3D {
    throw new UntangleError('diffsda.no_prior', 'DiffSDA has no prior over d without its latent DDPM stage, which is not built yet', {});
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
      frame_shape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 3, default: [1], description: '[F] feature frames' },
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
      sample_seed: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p, ctx) => new DiffSDA(p, p.sampler, new Rng(ctx.seed)),
});
