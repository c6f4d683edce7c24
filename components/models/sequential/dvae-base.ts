import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/index.ts';
import type { JsonSchema } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { normalNoise } from '../../nn/gaussian-noise.ts';
import { frameEncoder, isImageFrame, type FrameEncoder } from './frame-nets.ts';

/** Parameters shared by the dynamical VAEs of Girin et al.'s review (x_dim 80, z 16–32). */
export interface DvaeParams {
  frame_shape: number[];
  frames: number;
  /** Size of φ_x(x_t), the encoded frame. */
  x_embed: number;
  z_dim: number;
  hidden_dim: number;
  /** Conv channels (images) or MLP units (features) of the frame encoder/decoder. */
  width: number;
}

export const DVAE_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    frame_shape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 3, default: [80], description: '[F] features (80-d log-mel) or [64, 64, C] frames' },
    frames: { type: 'integer', minimum: 1, default: 50 },
    x_embed: { type: 'integer', minimum: 1, default: 256 },
    z_dim: { type: 'integer', minimum: 1, default: 16 },
    hidden_dim: { type: 'integer', minimum: 1, default: 128 },
    width: { type: 'integer', minimum: 1, default: 256 },
  },
};

/** What one pass of a dynamical VAE yields (every tensor time-major inside a batch: `[B, T, ...]`). */
export interface DvaePass {
  z: tf.Tensor3D;
  mu: tf.Tensor3D;
  logvar: tf.Tensor3D;
  /** Learned prior parameters; absent for models with a N(0, I) prior (STORN, RVAE). */
  priorMu?: tf.Tensor3D;
  priorLogvar?: tf.Tensor3D;
  /** Decoder output (logits for images, means for features). */
  xHat: tf.Tensor;
}

/** A sample from N(μ, σ²), or μ itself when `rng` is null (deterministic encoding). */
export function drawOrMean(mu: tf.Tensor, logvar: tf.Tensor, rng: Rng | null): tf.Tensor {
  return rng ? tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), normalNoise(mu.shape, rng))) : mu;
}

/** `[B, T, d]` with `pad` (zeros) in front and the last step dropped: inputs x_{t−1} for step t. */
export function shiftRight(x: tf.Tensor3D): tf.Tensor3D {
  const [b, t, d] = x.shape;
  return tf.concat([tf.zeros([b, 1, d]), tf.slice(x, [0, 0, 0], [b, t - 1, d])], 1) as tf.Tensor3D;
}

export function reverseTime(x: tf.Tensor3D): tf.Tensor3D {
  return tf.reverse(x, 1) as tf.Tensor3D;
}

/**
 * Base of VRNN, DKF, STORN, SRNN and RVAE: a frame encoder φ_x shared by all, a model-specific
 * pass producing z_1:T, its posterior and prior, and the decoded frames. Outputs follow the
 * sequential-ELBO convention (`x_hat`, `z_mu`, `z_logvar`, `z_prior_*`). The representation is
 * the concatenation of the posterior means over time (these models have no static code).
 */
export abstract class DynamicalVAE extends Module implements Model {
  readonly encoder: FrameEncoder;

  constructor(readonly p: DvaeParams, rng: Rng) {
    super();
    this.encoder = this.child('encoder', frameEncoder({ frameShape: p.frame_shape, width: p.width }, p.x_embed, rng));
  }

  /** One pass over encoded frames `e [B, T, x_embed]`; `rng` null → posterior means throughout. */
  protected abstract pass(e: tf.Tensor3D, rng: Rng | null): DvaePass;

  forward(batch: Batch, ctx: StepContext): Outputs {
    const r = this.pass(this.encoder.forward(batch.x), ctx.rng);
    const out: Outputs = { x_hat: r.xHat, z: r.z, z_mu: r.mu, z_logvar: r.logvar };
    if (r.priorMu && r.priorLogvar) { out.z_prior_mu = r.priorMu; out.z_prior_logvar = r.priorLogvar; }
    return out;
  }

  reconstruct(x: tf.Tensor): tf.Tensor {
    const raw = this.pass(this.encoder.forward(x), null).xHat;
    return isImageFrame(this.p.frame_shape) ? tf.sigmoid(raw) : raw;
  }

  represent(x: tf.Tensor): tf.Tensor2D {
    const mu = this.pass(this.encoder.forward(x), null).mu;
    return tf.reshape(mu, [mu.shape[0], -1]) as tf.Tensor2D;
  }

  logImages(batch: Batch): Record<string, tf.Tensor4D> {
    if (!isImageFrame(this.p.frame_shape)) return {};
    return tf.tidy(() => {
      const x = tf.slice(batch.x, [0], [Math.min(4, batch.x.shape[0])]);
      const both = tf.concat([x, this.reconstruct(x)], 0);
      const [, , h, w, c] = both.shape;
      return { reconstruction: tf.reshape(both, [-1, h, w, c]) as tf.Tensor4D };
    });
  }
}
