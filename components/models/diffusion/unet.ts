import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, GroupNorm, Linear, init, silu } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { AttnBlock, Downsample, ResBlock, Upsample, norm, UNET_NORM_EPS as EPS } from '../autoencoder/blocks.ts';

export interface UNetParams {
  image_size: number;
  in_channels: number;
  out_channels: number;
  model_channels: number;
  channel_mult: number[];
  num_res_blocks: number;
  /** Downsample factors (1 = full resolution) with attention, as LDM's `attention_resolutions`. */
  attention_resolutions: number[];
  num_heads: number;
  use_scale_shift_norm: boolean;
  norm_groups: number;
  /**
   * Not keys of `untangle.models.UNet`'s schema (its configs are unchanged): set by a parent that
   * builds a conditional UNet (DiffSDA's denoiser). `cond_dim` > 0 gives every residual block a
   * second scale-shift from a per-example vector; `symmetric_downsample` pads its stride-2 convs (1,1).
   */
  cond_dim?: number;
  symmetric_downsample?: boolean;
}

/** Sinusoidal timestep embedding (openaimodel `timestep_embedding`: cos half then sin half). */
export function timestepEmbedding(t: ArrayLike<number>, dim: number, maxPeriod = 10000): tf.Tensor2D {
  const half = Math.floor(dim / 2);
  const out = new Float32Array(t.length * dim);
  for (let i = 0; i < t.length; i++) {
    for (let j = 0; j < half; j++) {
      const a = t[i] * Math.exp((-Math.log(maxPeriod) * j) / half);
      out[i * dim + j] = Math.cos(a);
      out[i * dim + half + j] = Math.sin(a);
    }
  }
  return tf.tensor2d(out, [t.length, dim]);
}

type Layer = { kind: 'res'; m: ResBlock } | { kind: 'attn'; m: AttnBlock } | { kind: 'down'; m: Downsample } | { kind: 'up'; m: Upsample } | { kind: 'conv'; m: Conv2d };

function runLayers(layers: Layer[], h: tf.Tensor, emb: tf.Tensor, cond?: tf.Tensor): tf.Tensor {
  for (const l of layers) h = l.kind === 'res' ? l.m.forward(h, emb, cond) : l.m.forward(h);
  return h;
}

/** Everything the trunk computes on the way down: the skips and the bottom activation. */
export interface TrunkState {
  skips: tf.Tensor[];
  h: tf.Tensor;
}

/**
 * The decoder half of the UNet (middle block, output blocks with skip concatenation, output
 * head). DisDiff's shift decoder is a second instance of this, fed the frozen trunk's skips.
 */
export class UNetDecoder extends Module {
  private readonly middle: Layer[];
  private readonly outputs: Layer[][] = [];
  private readonly normOut: GroupNorm;
  private readonly convOut: Conv2d;

  constructor(p: UNetParams, skipChannels: number[], rng: Rng, embDim: number) {
    super();
    const mc = p.model_channels;
    const g = p.norm_groups;
    let ch = mc * p.channel_mult[p.channel_mult.length - 1];
    const heads = p.num_heads;
    const cd = p.cond_dim ?? 0;
    this.middle = [
      { kind: 'res', m: this.child('middle_res1', new ResBlock(ch, ch, g, rng, embDim, p.use_scale_shift_norm, cd, EPS)) },
      { kind: 'attn', m: this.child('middle_attn', new AttnBlock(ch, g, heads, rng, EPS)) },
      { kind: 'res', m: this.child('middle_res2', new ResBlock(ch, ch, g, rng, embDim, p.use_scale_shift_norm, cd, EPS)) },
    ];
    const skips = [...skipChannels];
    let ds = 2 ** (p.channel_mult.length - 1);
    for (let level = p.channel_mult.length - 1; level >= 0; level--) {
      for (let i = 0; i <= p.num_res_blocks; i++) {
        const k = this.outputs.length;
        const outC = mc * p.channel_mult[level];
        const skip = skips.pop() ?? 0;
        const layers: Layer[] = [{ kind: 'res', m: this.child(`out${k}_res`, new ResBlock(ch + skip, outC, g, rng, embDim, p.use_scale_shift_norm, cd, EPS)) }];
        ch = outC;
        if (p.attention_resolutions.includes(ds)) layers.push({ kind: 'attn', m: this.child(`out${k}_attn`, new AttnBlock(ch, g, heads, rng, EPS)) });
        if (level > 0 && i === p.num_res_blocks) {
          layers.push({ kind: 'up', m: this.child(`out${k}_up`, new Upsample(ch, rng)) });
          ds /= 2;
        }
        this.outputs.push(layers);
      }
    }
    this.normOut = this.child('norm_out', norm(ch, g, EPS));
    // openaimodel zero-initialises the output conv, so an untrained UNet (or shift decoder) outputs 0.
    this.convOut = this.child('conv_out', new Conv2d(ch, p.out_channels, 3, rng, { padding: 1, weightInit: init.zeros(), biasInit: init.zeros() }));
  }

  forward(state: TrunkState, emb: tf.Tensor, cond?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = runLayers(this.middle, state.h, emb, cond);
      const skips = [...state.skips];
      for (const layers of this.outputs) {
        const s = skips.pop();
        if (s) h = tf.concat([h, s], 3);
        h = runLayers(layers, h, emb, cond);
      }
      return this.convOut.forward(silu(this.normOut.forward(h)));
    });
  }
}

/**
 * LDM's `openaimodel.UNetModel` (unconditional): sinusoidal timestep embedding → MLP (4× width);
 * input blocks of residual blocks (scale-shift norm optional) with attention at the chosen
 * downsample factors and strided-conv downsampling between levels; middle block; output blocks
 * with skip concatenation and nearest-neighbour + conv upsampling (LDM's `resblock_updown`
 * residual up/down blocks are replaced by these plain conv up/down layers). GroupNorm ε is
 * openaimodel's (torch's default 1e-5), not the autoencoder's 1e-6: the one-step check against
 * DisDiff (bench/parity/disdiff-step.py) measured gradients 2.8 % apart with 1e-6.
 */
export class UNet extends Module {
  readonly timeEmbed1: Linear;
  readonly timeEmbed2: Linear;
  private readonly inputs: Layer[][] = [];
  readonly decoder: UNetDecoder;
  readonly skipChannels: number[] = [];
  readonly embDim: number;

  constructor(readonly p: UNetParams, rng: Rng) {
    super();
    const mc = p.model_channels;
    const g = p.norm_groups;
    this.embDim = 4 * mc;
    this.timeEmbed1 = this.child('time_embed1', new Linear(mc, this.embDim, rng));
    this.timeEmbed2 = this.child('time_embed2', new Linear(this.embDim, this.embDim, rng));
    this.inputs.push([{ kind: 'conv', m: this.child('in0_conv', new Conv2d(p.in_channels, mc, 3, rng, { padding: 1 })) }]);
    this.skipChannels.push(mc);
    let ch = mc;
    let ds = 1;
    p.channel_mult.forEach((mult, level) => {
      for (let i = 0; i < p.num_res_blocks; i++) {
        const k = this.inputs.length;
        const layers: Layer[] = [{ kind: 'res', m: this.child(`in${k}_res`, new ResBlock(ch, mult * mc, g, rng, this.embDim, p.use_scale_shift_norm, p.cond_dim ?? 0, EPS)) }];
        ch = mult * mc;
        if (p.attention_resolutions.includes(ds)) layers.push({ kind: 'attn', m: this.child(`in${k}_attn`, new AttnBlock(ch, g, p.num_heads, rng, EPS)) });
        this.inputs.push(layers);
        this.skipChannels.push(ch);
      }
      if (level < p.channel_mult.length - 1) {
        const k = this.inputs.length;
        this.inputs.push([{ kind: 'down', m: this.child(`in${k}_down`, new Downsample(ch, rng, p.symmetric_downsample ?? false)) }]);
        this.skipChannels.push(ch);
        ds *= 2;
      }
    });
    this.decoder = this.child('decoder', new UNetDecoder(p, this.skipChannels, rng, this.embDim));
  }

  /** Timestep embedding `[B, 4·model_channels]`. */
  embed(t: ArrayLike<number>): tf.Tensor {
    return tf.tidy(() => this.timeEmbed2.forward(silu(this.timeEmbed1.forward(timestepEmbedding(t, this.p.model_channels)))));
  }

  /** The input blocks: skips for the decoder half. */
  trunk(x: tf.Tensor, emb: tf.Tensor, cond?: tf.Tensor): TrunkState {
    const skips: tf.Tensor[] = [];
    let h = x;
    for (const layers of this.inputs) {
      h = runLayers(layers, h, emb, cond);
      skips.push(h);
    }
    return { skips, h };
  }

  /** ε̂(x_t, t): `x [B,H,W,C]`, one timestep per example; `cond [B, cond_dim]` where built with one. */
  forward(x: tf.Tensor, t: ArrayLike<number>, cond?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const emb = this.embed(t);
      return this.decoder.forward(this.trunk(x, emb, cond), emb, cond);
    });
  }
}

export const UNET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    image_size: { type: 'integer', minimum: 1, default: 16 },
    in_channels: { type: 'integer', minimum: 1, default: 3 },
    out_channels: { type: 'integer', minimum: 1, default: 3 },
    model_channels: { type: 'integer', minimum: 1, default: 64 },
    channel_mult: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [1, 2, 4, 4] },
    num_res_blocks: { type: 'integer', minimum: 1, default: 2 },
    attention_resolutions: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [1, 2, 4], description: 'downsample factors with attention' },
    num_heads: { type: 'integer', minimum: 1, default: 8 },
    use_scale_shift_norm: { type: 'boolean', default: true },
    norm_groups: { type: 'integer', minimum: 1, default: 32 },
  },
} as const;

export const unetSpec = defineComponent<UNetParams, UNet>({
  target: 'untangle.models.UNet',
  kind: 'model',
  description: "LDM openaimodel UNet denoiser ε(x_t, t): res blocks with timestep embedding, attention, skips",
  schema: UNET_SCHEMA,
  create: (p, ctx) => new UNet(p, new Rng(ctx.seed)),
});
