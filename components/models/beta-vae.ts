import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/index.ts';
import { defineComponent } from '../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../framework/contracts/index.ts';
import type { Batch } from '../../framework/contracts/index.ts';
import { Rng } from '../../framework/util/rng.ts';
import { ConvEncoder, DeconvDecoder } from './conv-vae-nets.ts';
import { reparameterize } from '../nn/gaussian-noise.ts';

export interface BetaVAEParams {
  in_channels: number;
  latent_dim: number;
  width: number;
  hidden: number;
  traversal_range: number;
}

/**
 * The convolutional VAE of β-VAE (Higgins et al. 2017) in the Burgess et al. (2018) architecture
 * used by disentanglement_lib. The decoder outputs logits; the loss decides the likelihood
 * (Bernoulli for binary dSprites, Gaussian otherwise). Codes for the metric suite are posterior means.
 */
export class BetaVAE extends Module implements Model {
  readonly encoder: ConvEncoder;
  readonly decoder: DeconvDecoder;

  constructor(readonly p: BetaVAEParams, rng: Rng) {
    super();
    this.encoder = this.child('encoder', new ConvEncoder(p.in_channels, p.latent_dim, rng, p.width, p.hidden));
    this.decoder = this.child('decoder', new DeconvDecoder(p.in_channels, p.latent_dim, rng, p.width, p.hidden));
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const { mu, logvar } = this.encoder.forward(batch.x);
    const z = reparameterize(mu, logvar, ctx.rng);
    return { logits: this.decoder.forward(z), mu, logvar, z };
  }

  represent(x: tf.Tensor): tf.Tensor2D {
    return this.encoder.forward(x).mu;
  }

  logImages(batch: Batch): Record<string, tf.Tensor4D> {
    return tf.tidy(() => {
      const x = batch.x as tf.Tensor4D;
      const { mu } = this.encoder.forward(x);
      const recon = tf.sigmoid(this.decoder.forward(mu)) as tf.Tensor4D;
      // Rows of originals over their reconstructions.
      const reconstruction = tf.concat([x, recon], 0) as tf.Tensor4D;
      // Each row varies one latent of the first example's code over ±traversal_range.
      const steps = 8;
      const d = this.p.latent_dim;
      const base = tf.slice(mu, [0, 0], [1, d]);
      const offsets: number[] = [];
      for (let i = 0; i < d; i++) for (let s = 0; s < steps; s++) {
        const row = new Array<number>(d).fill(0);
        row[i] = -this.p.traversal_range + (2 * this.p.traversal_range * s) / (steps - 1);
        offsets.push(...row);
      }
      const codes = tf.add(base, tf.tensor2d(offsets, [d * steps, d]));
      const traversal = tf.sigmoid(this.decoder.forward(codes)) as tf.Tensor4D;
      return { reconstruction, traversal };
    });
  }
}

export const betaVaeSpec = defineComponent<BetaVAEParams, BetaVAE>({
  target: 'untangle.models.BetaVAE',
  kind: 'model',
  description: 'Convolutional VAE of Burgess et al. 2018 / disentanglement_lib (64×64 input)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      in_channels: { type: 'integer', minimum: 1, default: 1 },
      latent_dim: { type: 'integer', minimum: 1, default: 10 },
      width: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'multiplier on the 32/32/64/64 conv widths' },
      hidden: { type: 'integer', minimum: 1, default: 256 },
      traversal_range: { type: 'number', exclusiveMinimum: 0, default: 2 },
    },
  },
  create: (p, ctx) => new BetaVAE(p, new Rng(ctx.seed)),
});
