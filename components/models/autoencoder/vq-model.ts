import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { LdmDecoder, LdmEncoder, DDCONFIG_SCHEMA, type DDConfig } from './nets.ts';
import { VectorQuantizer } from './quantizer.ts';
import { reconstructionPictures, type FirstStage } from './first-stage.ts';

export interface VQModelParams {
  ddconfig: DDConfig;
  embed_dim: number;
  n_embed: number;
  ema: boolean;
  ema_decay: number;
  codebook_init: 'uniform' | 'kmeans';
  restart_dead: boolean;
  dead_threshold: number;
}

/**
 * LDM's `VQModel` (taming-transformers VQGAN's autoencoder): Encoder → 1×1 quant_conv → codebook
 * → 1×1 post_quant_conv → Decoder. Images are mapped from [0, 1] to [−1, 1] as LDM's data are.
 * As a frozen first stage (`LatentDiffusion`, `DisDiff`) `encode` returns the pre-quantisation
 * latents and `decode` quantises first, as `VQModelInterface` does.
 */
export class VQModel extends Module implements Model, FirstStage {
  readonly encoder: LdmEncoder;
  readonly decoder: LdmDecoder;
  readonly quantConv: Conv2d;
  readonly postQuantConv: Conv2d;
  readonly quantize: VectorQuantizer;

  constructor(readonly p: VQModelParams, rng: Rng) {
    super();
    this.encoder = this.child('encoder', new LdmEncoder(p.ddconfig, rng));
    this.decoder = this.child('decoder', new LdmDecoder(p.ddconfig, rng));
    this.quantConv = this.child('quant_conv', new Conv2d(p.ddconfig.z_channels, p.embed_dim, 1, rng));
    this.postQuantConv = this.child('post_quant_conv', new Conv2d(p.embed_dim, p.ddconfig.z_channels, 1, rng));
    this.quantize = this.child('quantize', new VectorQuantizer(p.n_embed, p.embed_dim, rng, p.ema, p.ema_decay, 1e-5, {
      init: p.codebook_init, restartDead: p.restart_dead, deadThreshold: p.dead_threshold,
    }));
  }

  get latentChannels(): number {
    return this.p.embed_dim;
  }

  /** `[B,H,W,3]` in [0,1] → pre-quantisation latents `[B,H/f,W/f,embed_dim]`. */
  encode(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.quantConv.forward(this.encoder.forward(tf.sub(tf.mul(x, 2), 1))));
  }

  /**
   * Latents → images in [−1, 1], quantising first as VQModelInterface.decode does; with `quantize`
   * false the latents go to the decoder as they are (its `force_not_quantize`).
   */
  decode(h: tf.Tensor, quantize = true): tf.Tensor {
    return tf.tidy(() => this.decodeCode(quantize ? this.quantize.forward(h).zq : h));
  }

  private decodeCode(zq: tf.Tensor): tf.Tensor {
    return this.decoder.forward(this.postQuantConv.forward(zq));
  }

  forward(batch: Batch, _ctx: StepContext): Outputs {
    const h = this.encode(batch.x);
    const q = this.quantize.forward(h);
    const { out: recon, lastInput } = this.decoder.forwardWithLast(this.postQuantConv.forward(q.zq));
    // The last layer's input and weight let an adversarial loss term weigh itself (taming's adaptive weight).
    const out: Outputs = { recon, last_layer_input: lastInput, last_layer_weight: this.decoder.lastLayerWeight, codebook: q.codebook, commitment: q.commitment, perplexity: q.perplexity, used_codes: q.usedCodes };
    const dead = this.quantize.deadCodes();
    if (dead !== null) out.dead_codes = tf.scalar(dead);
    return out;
  }

  afterStep(): void {
    this.quantize.afterStep();
  }

  logImages(batch: Batch): Record<string, tf.Tensor4D> {
    return reconstructionPictures(this, batch.x);
  }
}

export const vqModelSpec = defineComponent<VQModelParams, VQModel>({
  target: 'untangle.models.VQModel',
  kind: 'model',
  description: "LDM/taming VQ autoencoder (Encoder, codebook with straight-through or EMA updates, Decoder)",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ddconfig: DDCONFIG_SCHEMA,
      embed_dim: { type: 'integer', minimum: 1, default: 3 },
      n_embed: { type: 'integer', minimum: 2, default: 8192 },
      ema: { type: 'boolean', default: false, description: 'EMA codebook updates instead of the codebook loss' },
      ema_decay: { type: 'number', minimum: 0, maximum: 1, default: 0.99 },
      codebook_init: { enum: ['uniform', 'kmeans'], default: 'uniform', description: "taming's U(−1/n, 1/n), or k-means on the first training batch's encoder outputs (against codebook collapse)" },
      restart_dead: { type: 'boolean', default: false, description: 'move codes whose usage EMA falls below dead_threshold onto random encoder outputs of the batch (against codebook collapse)' },
      dead_threshold: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'usage EMA (assignments per step, decay 0.99) below which a code counts as dead' },
    },
  },
  create: (p, ctx) => new VQModel(p, new Rng(ctx.seed)),
});
