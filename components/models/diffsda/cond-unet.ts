import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UNet } from '../diffusion/unet.ts';
import type { SdaDenoiser } from './parts.ts';

export interface CondUNetParams {
  /** `[H, W, C]`. */
  frame_shape: number[];
  /** Width of the first level (the seed's `unets_channels`). */
  unets_channels: number;
  ch_mult: number[];
  num_res_blocks: number;
  /** Levels (0-based) with self-attention (the seed's `attn`). */
  attn: number[];
  num_heads: number;
  norm_groups: number;
  /** Size of a_τ = [d_τ, s]: d_dim + s_dim. */
  cond_dim: number;
}

/**
 * DiffSDA's video denoiser (AuxiliaryUNetKarras): the UNet of `diffusion/unet.ts` with every
 * residual block taking a second scale-shift from a_τ after the time one, and symmetric
 * stride-2 downsampling. The noise level enters as the UNet's sinusoidal embedding of
 * c_noise = ln σ / 4, as EDM feeds its networks. Differences from the upstream, said here so a
 * reader does not assume them: two convs per residual block (the upstream has three), no
 * dropout. Maps rows `[N, H, W, C]` → `[N, H, W, C]`; its output conv starts at zero, so an
 * untrained denoiser leaves D(y; σ) = c_skip·y.
 */
export class CondUNet extends Module implements SdaDenoiser {
  readonly unet: UNet;
  readonly condDim: number;

  constructor(p: CondUNetParams, rng: Rng) {
    super();
    const [h, w, c] = p.frame_shape;
    const factor = 2 ** (p.ch_mult.length - 1);
    if (p.frame_shape.length !== 3 || h % factor !== 0 || w % factor !== 0) {
      throw new UntangleError('diffsda.unet_shape', `frames [${p.frame_shape}] must be [H, W, C] with H and W divisible by ${factor} (ch_mult has ${p.ch_mult.length} levels)`, { frame_shape: p.frame_shape, ch_mult: p.ch_mult });
    }
    this.condDim = p.cond_dim;
    this.unet = this.child('unet', new UNet({
      image_size: h, in_channels: c, out_channels: c, model_channels: p.unets_channels, channel_mult: p.ch_mult,
      num_res_blocks: p.num_res_blocks, attention_resolutions: p.attn.map((l) => 2 ** l), num_heads: p.num_heads,
      use_scale_shift_norm: true, norm_groups: p.norm_groups, cond_dim: p.cond_dim, symmetric_downsample: true,
    }, rng));
  }

  denoise(x: tf.Tensor, cNoise: tf.Tensor1D, a: tf.Tensor2D): tf.Tensor {
    return this.unet.forward(x, cNoise.dataSync(), a);
  }
}

export const condUNetSpec = defineComponent<CondUNetParams, CondUNet>({
  target: 'untangle.models.DiffSDAUNet',
  kind: 'model',
  description: 'DiffSDA video denoiser: UNet whose residual blocks take a second scale-shift from a = [d, s]; symmetric downsampling',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['frame_shape', 'cond_dim'],
    properties: {
      frame_shape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 3, maxItems: 3 },
      unets_channels: { type: 'integer', minimum: 1, default: 128 },
      ch_mult: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [1, 2, 2, 2] },
      num_res_blocks: { type: 'integer', minimum: 1, default: 2 },
      attn: { type: 'array', items: { type: 'integer', minimum: 0 }, default: [2], description: 'levels with self-attention' },
      num_heads: { type: 'integer', minimum: 1, default: 1 },
      norm_groups: { type: 'integer', minimum: 1, default: 32 },
      cond_dim: { type: 'integer', minimum: 1, description: 's_dim + d_dim' },
    },
  },
  create: (p, ctx) => new CondUNet(p, new Rng(ctx.seed)),
});
