import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, GroupNorm, Module, silu } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { AttnBlock, Downsample, ResBlock, norm } from '../autoencoder/blocks.ts';
import { SequenceCodeEncoder, type SequenceCodeOptions } from './sequence-codes.ts';

export interface FrameEncoderOptions extends SequenceCodeOptions {
  /** `[H, W, C]`; H and W divisible by 2^(levels − 1). */
  frameShape: number[];
  /** Width of the first level (the seed's `encoder_channels`). */
  channels: number;
  /** Width multiplier per level (the seed's `ch_mult`); a stride-2 downsample between levels. */
  chMult: number[];
  numResBlocks: number;
  /** Levels (0-based) with spatial self-attention after each residual block (the seed's `attn`). */
  attn: number[];
  groups: number;
}

/**
 * The conv stack of DiffSDA's video encoder (TimePriorEncoder): conv3 in → per level
 * `numResBlocks` residual blocks (attention at the `attn` levels), symmetric stride-2 downsample
 * between levels → norm → SiLU → conv3 to ONE channel, whose (H/2^(L−1))·(W/2^(L−1)) map,
 * flattened, is the frame's feature vector. The upstream's stack is UNet-shaped (down and back
 * up to full resolution before the 1-channel map); this one stops at the bottom, so a 64-px
 * frame gives 64 features with `ch_mult` [1,2,2,2] instead of 4096.
 */
export class FrameConvStack extends Module {
  readonly convIn: Conv2d;
  private readonly layers: (ResBlock | AttnBlock | Downsample)[] = [];
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;
  readonly outDim: number;

  constructor(o: FrameEncoderOptions, rng: Rng) {
    super();
    const [h, w, c] = o.frameShape;
    const factor = 2 ** (o.chMult.length - 1);
    this.outDim = (h / factor) * (w / factor);
    this.convIn = this.child('conv_in', new Conv2d(c, o.channels, 3, rng, { padding: 1 }));
    let ch = o.channels;
    o.chMult.forEach((mult, level) => {
      for (let i = 0; i < o.numResBlocks; i++) {
        this.layers.push(this.child(`l${level}_res${i}`, new ResBlock(ch, mult * o.channels, o.groups, rng)));
        ch = mult * o.channels;
        if (o.attn.includes(level)) this.layers.push(this.child(`l${level}_attn${i}`, new AttnBlock(ch, o.groups, 1, rng)));
      }
      if (level < o.chMult.length - 1) this.layers.push(this.child(`l${level}_down`, new Downsample(ch, rng, true)));
    });
    this.normOut = this.child('norm_out', norm(ch, o.groups));
    this.convOut = this.child('conv_out', new Conv2d(ch, 1, 3, rng, { padding: 1 }));
  }

  /** `[N, H, W, C]` → `[N, outDim]`. */
  forward(x: tf.Tensor): tf.Tensor2D {
    let h: tf.Tensor = this.convIn.forward(x);
    for (const l of this.layers) h = l.forward(h);
    return tf.reshape(this.convOut.forward(silu(this.normOut.forward(h))), [x.shape[0], this.outDim]) as tf.Tensor2D;
  }
}

/** DiffSDA's video encoder: every frame through the conv stack, then the shared sequence part. */
export class FrameEncoder extends SequenceCodeEncoder {
  readonly frames: FrameConvStack;

  constructor(o: FrameEncoderOptions, rng: Rng) {
    super();
    this.frames = this.child('frame_net', new FrameConvStack(o, rng));
    this.buildHeads(this.frames.outDim, o, rng);
  }

  protected stepFeatures(x: tf.Tensor): tf.Tensor3D {
    const [b, t, ...frame] = x.shape;
    return tf.reshape(this.frames.forward(tf.reshape(x, [b * t, ...frame])), [b, t, -1]) as tf.Tensor3D;
  }
}

export interface FrameEncoderParams {
  frame_shape: number[];
  encoder_channels: number;
  ch_mult: number[];
  num_res_blocks: number;
  attn: number[];
  norm_groups: number;
  hidden_dim: number;
  s_dim: number;
  d_dim: number;
}

export const frameEncoderSpec = defineComponent<FrameEncoderParams, FrameEncoder>({
  target: 'untangle.models.DiffSDAFrameEncoder',
  kind: 'model',
  description: 'DiffSDA video encoder: per-frame conv stack to a 1-channel map → BiLSTM → s from the ends, d from a tanh RNN',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['frame_shape', 's_dim', 'd_dim'],
    properties: {
      frame_shape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 3, maxItems: 3 },
      encoder_channels: { type: 'integer', minimum: 1, default: 64 },
      ch_mult: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [1, 2, 2, 2] },
      num_res_blocks: { type: 'integer', minimum: 1, default: 1 },
      attn: { type: 'array', items: { type: 'integer', minimum: 0 }, default: [2], description: 'levels with self-attention' },
      norm_groups: { type: 'integer', minimum: 1, default: 32 },
      hidden_dim: { type: 'integer', minimum: 1, default: 256 },
      s_dim: { type: 'integer', minimum: 1 },
      d_dim: { type: 'integer', minimum: 1 },
    },
  },
  create: (p, ctx) => {
    const [h, w] = p.frame_shape;
    const factor = 2 ** (p.ch_mult.length - 1);
    if (h % factor !== 0 || w % factor !== 0) {
      throw new UntangleError('diffsda.encoder_shape', `frames [${p.frame_shape}] need H and W divisible by ${factor} (ch_mult has ${p.ch_mult.length} levels)`, { frame_shape: p.frame_shape });
    }
    return new FrameEncoder({
      frameShape: p.frame_shape, channels: p.encoder_channels, chMult: p.ch_mult, numResBlocks: p.num_res_blocks, attn: p.attn,
      groups: p.norm_groups, hidden: p.hidden_dim, staticDim: p.s_dim, dynamicDim: p.d_dim,
    }, new Rng(ctx.seed));
  },
});
