import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, GroupNorm, silu } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { AttnBlock, Downsample, ResBlock, Upsample, norm } from './blocks.ts';

/** LDM's `ddconfig`: the encoder/decoder shape shared by VQModel and AutoencoderKL. */
export interface DDConfig {
  double_z: boolean;
  z_channels: number;
  resolution: number;
  in_channels: number;
  out_ch: number;
  ch: number;
  ch_mult: number[];
  num_res_blocks: number;
  attn_resolutions: number[];
  /** GroupNorm groups (LDM: 32). */
  norm_groups: number;
  /** Heads of the attention blocks (LDM's AttnBlock is single-head). */
  attn_heads: number;
}

export const DDCONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    double_z: { type: 'boolean', default: false },
    z_channels: { type: 'integer', minimum: 1, default: 3 },
    resolution: { type: 'integer', minimum: 1, default: 64 },
    in_channels: { type: 'integer', minimum: 1, default: 3 },
    out_ch: { type: 'integer', minimum: 1, default: 3 },
    ch: { type: 'integer', minimum: 1, default: 32 },
    ch_mult: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [1, 2, 4] },
    num_res_blocks: { type: 'integer', minimum: 0, default: 2 },
    attn_resolutions: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [] },
    norm_groups: { type: 'integer', minimum: 1, default: 32, description: 'GroupNorm groups (LDM hard-codes 32; narrow CPU widths need fewer)' },
    attn_heads: { type: 'integer', minimum: 1, default: 1 },
  },
} as const;

/** LDM `Encoder`: conv_in, per level `num_res_blocks` res blocks (+attention), downsample between levels, mid block, head. */
export class LdmEncoder extends Module {
  private readonly convIn: Conv2d;
  private readonly levels: { blocks: ResBlock[]; attns: (AttnBlock | null)[]; down: Downsample | null }[] = [];
  private readonly mid: [ResBlock, AttnBlock, ResBlock];
  private readonly normOut: GroupNorm;
  private readonly convOut: Conv2d;

  constructor(c: DDConfig, rng: Rng) {
    super();
    const g = c.norm_groups;
    this.convIn = this.child('conv_in', new Conv2d(c.in_channels, c.ch, 3, rng, { padding: 1 }));
    let res = c.resolution;
    let inC = c.ch;
    c.ch_mult.forEach((m, i) => {
      const outC = c.ch * m;
      const blocks: ResBlock[] = [];
      const attns: (AttnBlock | null)[] = [];
      for (let j = 0; j < c.num_res_blocks; j++) {
        blocks.push(this.child(`down${i}_block${j}`, new ResBlock(inC, outC, g, rng)));
        attns.push(c.attn_resolutions.includes(res) ? this.child(`down${i}_attn${j}`, new AttnBlock(outC, g, c.attn_heads, rng)) : null);
        inC = outC;
      }
      const down = i < c.ch_mult.length - 1 ? this.child(`down${i}_sample`, new Downsample(inC, rng)) : null;
      if (down) res /= 2;
      this.levels.push({ blocks, attns, down });
    });
    this.mid = [
      this.child('mid_block1', new ResBlock(inC, inC, g, rng)),
      this.child('mid_attn', new AttnBlock(inC, g, c.attn_heads, rng)),
      this.child('mid_block2', new ResBlock(inC, inC, g, rng)),
    ];
    this.normOut = this.child('norm_out', norm(inC, g));
    this.convOut = this.child('conv_out', new Conv2d(inC, c.double_z ? 2 * c.z_channels : c.z_channels, 3, rng, { padding: 1 }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h: tf.Tensor = this.convIn.forward(x);
      for (const l of this.levels) {
        l.blocks.forEach((b, j) => {
          h = b.forward(h);
          const a = l.attns[j];
          if (a) h = a.forward(h);
        });
        if (l.down) h = l.down.forward(h);
      }
      h = this.mid[2].forward(this.mid[1].forward(this.mid[0].forward(h)));
      return this.convOut.forward(silu(this.normOut.forward(h)));
    });
  }
}

/** LDM `Decoder`: the mirror image, with `num_res_blocks + 1` res blocks per level. */
export class LdmDecoder extends Module {
  private readonly convIn: Conv2d;
  private readonly mid: [ResBlock, AttnBlock, ResBlock];
  private readonly levels: { blocks: ResBlock[]; attns: (AttnBlock | null)[]; up: Upsample | null }[] = [];
  private readonly normOut: GroupNorm;
  private readonly convOut: Conv2d;

  constructor(c: DDConfig, rng: Rng) {
    super();
    const g = c.norm_groups;
    const n = c.ch_mult.length;
    let inC = c.ch * c.ch_mult[n - 1];
    let res = c.resolution / 2 ** (n - 1);
    this.convIn = this.child('conv_in', new Conv2d(c.z_channels, inC, 3, rng, { padding: 1 }));
    this.mid = [
      this.child('mid_block1', new ResBlock(inC, inC, g, rng)),
      this.child('mid_attn', new AttnBlock(inC, g, c.attn_heads, rng)),
      this.child('mid_block2', new ResBlock(inC, inC, g, rng)),
    ];
    for (let i = n - 1; i >= 0; i--) {
      const outC = c.ch * c.ch_mult[i];
      const blocks: ResBlock[] = [];
      const attns: (AttnBlock | null)[] = [];
      for (let j = 0; j <= c.num_res_blocks; j++) {
        blocks.push(this.child(`up${i}_block${j}`, new ResBlock(inC, outC, g, rng)));
        attns.push(c.attn_resolutions.includes(res) ? this.child(`up${i}_attn${j}`, new AttnBlock(outC, g, c.attn_heads, rng)) : null);
        inC = outC;
      }
      const up = i > 0 ? this.child(`up${i}_sample`, new Upsample(inC, rng)) : null;
      if (up) res *= 2;
      this.levels.push({ blocks, attns, up });
    }
    this.normOut = this.child('norm_out', norm(inC, g));
    this.convOut = this.child('conv_out', new Conv2d(inC, c.out_ch, 3, rng, { padding: 1 }));
  }

  /** The output conv's weight: the "last layer" of taming's adaptive GAN weight. */
  get lastLayerWeight(): tf.Variable {
    return this.convOut.weight;
  }

  forward(z: tf.Tensor): tf.Tensor {
    const { out, lastInput } = this.forwardWithLast(z);
    lastInput.dispose();
    return out;
  }

  /** The images and the input of the last layer: out = conv3×3_same(lastInput, lastLayerWeight) + bias. */
  forwardWithLast(z: tf.Tensor): { out: tf.Tensor; lastInput: tf.Tensor } {
    return tf.tidy(() => {
      let h: tf.Tensor = this.convIn.forward(z);
      h = this.mid[2].forward(this.mid[1].forward(this.mid[0].forward(h)));
      for (const l of this.levels) {
        l.blocks.forEach((b, j) => {
          h = b.forward(h);
          const a = l.attns[j];
          if (a) h = a.forward(h);
        });
        if (l.up) h = l.up.forward(h);
      }
      const lastInput = silu(this.normOut.forward(h));
      return { out: this.convOut.forward(lastInput), lastInput };
    });
  }
}
