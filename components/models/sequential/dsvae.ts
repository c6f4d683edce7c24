import * as tf from '@tensorflow/tfjs-core';
import { Bidirectional, Linear, Module } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { normalNoise, reparameterize } from '../../nn/gaussian-noise.ts';
import { frameDecoder, frameEncoder, GaussianHead, isImageFrame, type FrameDecoder, type FrameEncoder } from './frame-nets.ts';
import { LstmPrior } from './lstm-prior.ts';
import type { StaticDynamicModel } from './types.ts';
import { swapAndTraversalImages } from './sequence-images.ts';

export interface DsvaeParams {
  frame_shape: number[];
  frames: number;
  f_dim: number;
  z_dim: number;
  hidden_dim: number;
  conv_dim: number;
  width: number;
  variant: 'full' | 'factorized';
  /** Also encode a frame-shuffled copy (outputs `f_shuffled_mu`) for the static-consistency term. */
  shuffled_static: boolean;
  /**
   * Half-width c of the uniform code perturbation of the cyclic term (outputs `x_cycle` and
   * `x_cycle_target`); 0 turns the cycle off.
   */
  cycle_noise: number;
  /**
   * Where the posteriors' log σ² start (a fixed shift of their heads). The default 0 starts them
   * at unit variance, whose noise drowns the codes at first: a 500-step CPU run then decoded the
   * mean sprite for every code. −4 (σ ≈ 0.14) lets the decoder see the codes from the start.
   */
  posterior_logvar_init: number;
  /** GroupNorm in the conv frame encoder/decoder (see frame-nets.ts). */
  frame_norm: boolean;
}

/** U(−c, c) noise of a shape, drawn in JS from `rng` like normalNoise. */
function uniformNoise(shape: number[], c: number, rng: Rng): tf.Tensor {
  return tf.tensor(rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -c, c), shape, 'float32');
}

/**
 * Disentangled Sequential Autoencoder (Li & Mandt, ICML 2018). Frames → φ(x_t) (conv or MLP);
 * static f ~ q(f | x_1:T) from a BiLSTM over φ(x_1:T) (last forward + first backward state);
 * dynamic z_t ~ q(z_t | x_1:T, f) from a BiLSTM over [φ(x_t), f] (`full`, "FullQ") or
 * q(z_t | x_t) from φ(x_t) alone (`factorized`); prior f ~ N(0, I), z_t ~ LSTM prior; decoder
 * p(x_t | z_t, f). Outputs follow the sequential-ELBO convention: `x_hat`, and per latent group
 * `<g>_mu/<g>_logvar` (+ `<g>_prior_mu/<g>_prior_logvar` for a learned prior).
 */
export class DSVAE extends Module implements Model, StaticDynamicModel {
  readonly encoder: FrameEncoder;
  readonly decoder: FrameDecoder;
  private readonly staticRnn: Bidirectional;
  private readonly staticHead: GaussianHead;
  private readonly dynamicRnn: Bidirectional | null;
  private readonly dynamicHead: GaussianHead;
  private readonly factorizedHidden: Linear | null;
  readonly prior: LstmPrior;
  readonly staticDim: number;
  readonly dynamicDim: number;

  constructor(readonly p: DsvaeParams, rng: Rng) {
    super();
    const codec = { frameShape: p.frame_shape, width: p.width, norm: p.frame_norm };
    this.staticDim = p.f_dim;
    this.dynamicDim = p.z_dim;
    this.encoder = this.child('encoder', frameEncoder(codec, p.conv_dim, rng));
    this.staticRnn = this.child('static_rnn', Bidirectional.lstm(p.conv_dim, p.hidden_dim, rng));
    this.staticHead = this.child('static_head', new GaussianHead(2 * p.hidden_dim, p.f_dim, rng, p.posterior_logvar_init));
    if (p.variant === 'full') {
      this.dynamicRnn = this.child('dynamic_rnn', Bidirectional.lstm(p.conv_dim + p.f_dim, p.hidden_dim, rng));
      this.factorizedHidden = null;
      this.dynamicHead = this.child('dynamic_head', new GaussianHead(2 * p.hidden_dim, p.z_dim, rng, p.posterior_logvar_init));
    } else {
      this.dynamicRnn = null;
      this.factorizedHidden = this.child('dynamic_mlp', new Linear(p.conv_dim, p.hidden_dim, rng, { activation: 'leaky_relu' }));
      this.dynamicHead = this.child('dynamic_head', new GaussianHead(p.hidden_dim, p.z_dim, rng, p.posterior_logvar_init));
    }
    this.prior = this.child('prior', new LstmPrior(p.z_dim, p.hidden_dim, rng));
    this.decoder = this.child('decoder', frameDecoder(codec, p.z_dim + p.f_dim, rng));
  }

  private staticPosterior(h: tf.Tensor3D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const H = this.p.hidden_dim;
    const out = this.staticRnn.forward(h).output;
    const t = h.shape[1];
    // Last step of the forward direction and first step of the backward one: both have seen every frame.
    const fwd = tf.slice(out, [0, t - 1, 0], [-1, 1, H]);
    const bwd = tf.slice(out, [0, 0, H], [-1, 1, H]);
    const { mu, logvar } = this.staticHead.forward(tf.squeeze(tf.concat([fwd, bwd], 2), [1]));
    return { mu: mu as tf.Tensor2D, logvar: logvar as tf.Tensor2D };
  }

  private dynamicPosterior(h: tf.Tensor3D, f: tf.Tensor2D): { mu: tf.Tensor3D; logvar: tf.Tensor3D } {
    let g: tf.Tensor;
    if (this.dynamicRnn) {
      const rep = tf.tile(tf.expandDims(f, 1), [1, h.shape[1], 1]);
      g = this.dynamicRnn.forward(tf.concat([h, rep], 2) as tf.Tensor3D).output;
    } else {
      g = this.factorizedHidden!.forward(h);
    }
    const { mu, logvar } = this.dynamicHead.forward(g);
    return { mu: mu as tf.Tensor3D, logvar: logvar as tf.Tensor3D };
  }

  private decodeRaw(f: tf.Tensor2D, z: tf.Tensor3D): tf.Tensor {
    const rep = tf.tile(tf.expandDims(f, 1), [1, z.shape[1], 1]);
    return this.decoder.forward(tf.concat([z, rep], 2) as tf.Tensor3D);
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const x = batch.x;
    const h = this.encoder.forward(x);
    const fq = this.staticPosterior(h);
    const f = reparameterize(fq.mu, fq.logvar, ctx.rng) as tf.Tensor2D;
    const zq = this.dynamicPosterior(h, f);
    const z = reparameterize(zq.mu, zq.logvar, ctx.rng) as tf.Tensor3D;
    const zp = this.prior.forward(z);
    const out: Outputs = {
      x_hat: this.decodeRaw(f, z), f, z,
      f_mu: fq.mu, f_logvar: fq.logvar, z_mu: zq.mu, z_logvar: zq.logvar, z_prior_mu: zp.mu, z_prior_logvar: zp.logvar,
    };
    if (this.p.shuffled_static) {
      const perm = Array.from(ctx.rng.permutation(h.shape[1]));
      // unstack/stack rather than gather (whose gradient tfjs-wasm lacks).
      const frames = tf.unstack(h, 1);
      out.f_shuffled_mu = this.staticPosterior(tf.stack(perm.map((i) => frames[i]), 1) as tf.Tensor3D).mu;
    }
    if (this.p.cycle_noise > 0) Object.assign(out, this.cycle(f, z, ctx.rng));
    return out;
  }

  /**
   * The seeds' cyclic term (DSAE variants): perturb both codes by U(−c, c) noise, decode, encode the
   * generated sequence again (posterior means), take the noise back off and decode; the result
   * `x_cycle` should equal the reconstruction `x_cycle_target` = decode(f, z). Both in data space.
   * It asks the encoder to recover the codes of sequences the decoder generates off the data.
   */
  private cycle(f: tf.Tensor2D, z: tf.Tensor3D, rng: Rng): { x_cycle: tf.Tensor; x_cycle_target: tf.Tensor } {
    const c = this.p.cycle_noise;
    const uf = uniformNoise(f.shape, c, rng), uz = uniformNoise(z.shape, c, rng);
    const generated = this.decodeParts(tf.add(f, uf) as tf.Tensor2D, tf.add(z, uz) as tf.Tensor3D);
    const again = this.encodeParts(generated);
    return {
      x_cycle: this.decodeParts(tf.sub(again.static, uf) as tf.Tensor2D, tf.sub(again.dynamic, uz) as tf.Tensor3D),
      x_cycle_target: this.decodeParts(f, z),
    };
  }

  private toData(raw: tf.Tensor): tf.Tensor {
    return isImageFrame(this.p.frame_shape) ? tf.sigmoid(raw) : raw;
  }

  encodeParts(x: tf.Tensor): { static: tf.Tensor2D; dynamic: tf.Tensor3D } {
    const h = this.encoder.forward(x);
    const f = this.staticPosterior(h).mu;
    return { static: f, dynamic: this.dynamicPosterior(h, f).mu };
  }

  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D): tf.Tensor {
    return this.toData(this.decodeRaw(s, d));
  }

  sampleStatic(n: number, rng: Rng): tf.Tensor2D {
    return normalNoise([n, this.p.f_dim], rng) as tf.Tensor2D;
  }

  sampleDynamic(n: number, steps: number, rng: Rng): tf.Tensor3D {
    return this.prior.sample(n, steps, rng);
  }

  reconstruct(x: tf.Tensor): tf.Tensor {
    const { static: f, dynamic: z } = this.encodeParts(x);
    return this.decodeParts(f, z);
  }

  /** The static code: the representation disentanglement metrics score against static factors. */
  represent(x: tf.Tensor): tf.Tensor2D {
    return this.encodeParts(x).static;
  }

  logImages(batch: Batch, ctx: StepContext): Record<string, tf.Tensor5D> {
    return isImageFrame(this.p.frame_shape) ? swapAndTraversalImages(this, batch.x, ctx.rng) : {};
  }
}

export const FRAME_SCHEMA = {
  frame_shape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 3, default: [64, 64, 3], description: '[64, 64, C] images or [F] feature frames' },
  frames: { type: 'integer', minimum: 1, default: 8 },
} as const;

export const dsvaeSpec = defineComponent<DsvaeParams, DSVAE>({
  target: 'untangle.models.DSVAE',
  kind: 'model',
  description: 'Disentangled Sequential Autoencoder (Li & Mandt 2018): static f, dynamic z_t with an LSTM prior; full/factorized q',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...FRAME_SCHEMA,
      f_dim: { type: 'integer', minimum: 1, default: 64 },
      z_dim: { type: 'integer', minimum: 1, default: 32 },
      hidden_dim: { type: 'integer', minimum: 1, default: 512 },
      conv_dim: { type: 'integer', minimum: 1, default: 1024 },
      width: { type: 'integer', minimum: 1, default: 256, description: 'conv channels (images) or MLP units (features)' },
      variant: { enum: ['full', 'factorized'], default: 'full' },
      shuffled_static: { type: 'boolean', default: false },
      frame_norm: { type: 'boolean', default: false, description: 'GroupNorm in the conv frame encoder/decoder' },
      posterior_logvar_init: { type: 'number', default: 0, description: 'starting log σ² of the posteriors (fixed shift of their heads)' },
      cycle_noise: { type: 'number', minimum: 0, default: 0, description: 'U(−c, c) code perturbation of the cyclic term (0: off)' },
    },
  },
  create: (p, ctx) => new DSVAE(p, new Rng(ctx.seed)),
});
