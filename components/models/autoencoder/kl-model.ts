import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { reparameterize } from '../../nn/gaussian-noise.ts';
import { LdmDecoder, LdmEncoder, DDCONFIG_SCHEMA, type DDConfig } from './nets.ts';
import { reconstructionPictures, type FirstStage } from './first-stage.ts';

export interface AutoencoderKLParams {
  ddconfig: DDConfig;
  embed_dim: number;
}

/**
 * LDM's `AutoencoderKL`: the encoder outputs mean and log-variance (`double_z`), a 1×1 conv maps
 * them to 2·embed_dim channels, the posterior is sampled in training (its mode as a first stage),
 * and the KL to N(0, I) is returned for the loss.
 */
export class AutoencoderKL extends Module implements Model, FirstStage {
  readonly encoder: LdmEncoder;
  readonly decoder: LdmDecoder;
  readonly quantConv: Conv2d;
  readonly postQuantConv: Conv2d;

  constructor(readonly p: AutoencoderKLParams, rng: Rng) {
    super();
    if (!p.ddconfig.double_z) {
      throw new UntangleError('autoencoder-kl-double-z', 'AutoencoderKL needs ddconfig.double_z: true (the encoder outputs mean and log-variance)', {});
    }
    const z = p.ddconfig.z_channels;
    this.encoder = this.child('encoder', new LdmEncoder(p.ddconfig, rng));
    this.decoder = this.child('decoder', new LdmDecoder(p.ddconfig, rng));
    this.quantConv = this.child('quant_conv', new Conv2d(2 * z, 2 * p.embed_dim, 1, rng));
    this.postQuantConv = this.child('post_quant_conv', new Conv2d(p.embed_dim, z, 1, rng));
  }

  get latentChannels(): number {
    return this.p.embed_dim;
  }

  posterior(x: tf.Tensor): { mean: tf.Tensor; logvar: tf.Tensor } {
    const moments = this.quantConv.forward(this.encoder.forward(tf.sub(tf.mul(x, 2), 1)));
    const [mean, logvarRaw] = tf.split(moments, 2, 3);
    return { mean, logvar: tf.clipByValue(logvarRaw, -30, 20) };
  }

  encode(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.posterior(x).mean);
  }

  decode(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.decoder.forward(this.postQuantConv.forward(z)));
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const { mean, logvar } = this.posterior(batch.x);
    const z = reparameterize(mean, logvar, ctx.rng);
    // KL(N(μ, σ²) ‖ N(0, 1)) summed over latent elements, averaged over the batch (LDM's DiagonalGaussian.kl).
    const kl = tf.div(tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mean), tf.exp(logvar)), tf.add(1, logvar)))), batch.x.shape[0]) as tf.Scalar;
    const { out: recon, lastInput } = this.decoder.forwardWithLast(this.postQuantConv.forward(z));
    return { recon, kl, last_layer_input: lastInput, last_layer_weight: this.decoder.lastLayerWeight };
  }

  logImages(batch: Batch): Record<string, tf.Tensor4D> {
    return reconstructionPictures(this, batch.x);
  }
}

export const autoencoderKlSpec = defineComponent<AutoencoderKLParams, AutoencoderKL>({
  target: 'untangle.models.AutoencoderKL',
  kind: 'model',
  description: "LDM's KL-regularised autoencoder (double_z encoder, Gaussian posterior, decoder)",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ddconfig: { ...DDCONFIG_SCHEMA, properties: { ...DDCONFIG_SCHEMA.properties, double_z: { type: 'boolean', default: true }, z_channels: { type: 'integer', minimum: 1, default: 4 } } },
      embed_dim: { type: 'integer', minimum: 1, default: 4 },
    },
  },
  create: (p, ctx) => new AutoencoderKL(p, new Rng(ctx.seed)),
});
