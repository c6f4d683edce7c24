import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, GroupNorm, Linear, MultiHeadSelfAttention, init, silu, upsampleNearest } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';

/**
 * The building blocks shared by LDM's autoencoder (`ldm/modules/diffusionmodules/model.py`) and
 * its UNet (`openaimodel.py`), NHWC. GroupNorm's group count is a parameter (LDM hard-codes 32,
 * which rules out the narrow widths a CPU run needs); the count used is the largest divisor of the
 * channel count that is ≤ `groups`, so one setting works across a width ladder.
 */
export function groupsFor(channels: number, groups: number): number {
  let g = Math.min(groups, channels);
  while (channels % g !== 0) g -= 1;
  return g;
}

/** GroupNorm ε of LDM's autoencoder (`Normalize`); openaimodel's UNet uses torch's default, `UNET_NORM_EPS`. */
export const AUTOENCODER_NORM_EPS = 1e-6;
export const UNET_NORM_EPS = 1e-5;

export function norm(channels: number, groups: number, eps = AUTOENCODER_NORM_EPS): GroupNorm {
  return new GroupNorm(groupsFor(channels, groups), channels, eps);
}

/**
 * Residual block: norm → SiLU → conv3 → (+ time embedding) → norm → SiLU → conv3, with a 1×1
 * skip when widths differ. With `scaleShift`, the embedding gives (scale, shift) applied after
 * the second norm, h·(1+scale)+shift (openaimodel's `use_scale_shift_norm`). With `condDim` > 0
 * a second conditioning vector (DiffSDA's a_τ = [d_τ, s]) gives a second scale-shift applied
 * right after the first, h·(1+scale_a)+shift_a (AuxiliaryUNetKarras). Its projection is built
 * last, so a block with and one without it draw the same weights from the same seed; its bias
 * starts at zero, so a zero conditioning leaves the block exactly the plain one.
 */
export class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly embProj: Linear | null;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;
  readonly condProj: Linear | null;

  constructor(readonly inC: number, readonly outC: number, groups: number, rng: Rng, embDim = 0, readonly scaleShift = false, condDim = 0, eps = AUTOENCODER_NORM_EPS) {
    super();
    this.norm1 = this.child('norm1', norm(inC, groups, eps));
    this.conv1 = this.child('conv1', new Conv2d(inC, outC, 3, rng, { padding: 1 }));
    this.embProj = embDim > 0 ? this.child('emb_proj', new Linear(embDim, scaleShift ? 2 * outC : outC, rng)) : null;
    this.norm2 = this.child('norm2', norm(outC, groups, eps));
    this.conv2 = this.child('conv2', new Conv2d(outC, outC, 3, rng, { padding: 1 }));
    this.skip = inC !== outC ? this.child('skip', new Conv2d(inC, outC, 1, rng)) : null;
    this.condProj = condDim > 0 ? this.child('cond_proj', new Linear(condDim, 2 * outC, rng, { biasInit: init.zeros() })) : null;
  }

  /** `x [B,H,W,inC]`, optional `emb [B,embDim]` and `cond [B,condDim]` → `[B,H,W,outC]`. */
  forward(x: tf.Tensor, emb?: tf.Tensor, cond?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h: tf.Tensor = this.conv1.forward(silu(this.norm1.forward(x)));
      let e: tf.Tensor | null = null;
      if (this.embProj && emb) e = tf.reshape(this.embProj.forward(silu(emb)), [x.shape[0], 1, 1, -1]);
      if (e && this.scaleShift) {
        const [scale, shift] = tf.split(e, 2, 3);
        h = tf.add(tf.mul(this.norm2.forward(h), tf.add(scale, 1)), shift);
      } else {
        if (e) h = tf.add(h, e);
        h = this.norm2.forward(h);
      }
      if (this.condProj && cond) {
        const [scale, shift] = tf.split(tf.reshape(this.condProj.forward(cond), [x.shape[0], 1, 1, -1]), 2, 3);
        h = tf.add(tf.mul(h, tf.add(scale, 1)), shift);
      }
      h = this.conv2.forward(silu(h));
      return tf.add(this.skip ? this.skip.forward(x) : x, h);
    });
  }
}

/** Spatial self-attention with a residual: norm → multi-head attention over H·W positions. */
export class AttnBlock extends Module {
  readonly norm: GroupNorm;
  readonly attn: MultiHeadSelfAttention;

  constructor(channels: number, groups: number, heads: number, rng: Rng, eps = AUTOENCODER_NORM_EPS) {
    super();
    this.norm = this.child('norm', norm(channels, groups, eps));
    this.attn = this.child('attn', new MultiHeadSelfAttention(channels, groupsFor(channels, heads), rng));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const [b, h, w, c] = x.shape;
    return tf.tidy(() => tf.add(x, tf.reshape(this.attn.forward(tf.reshape(this.norm.forward(x), [b, h * w, c])), [b, h, w, c])));
  }
}

/**
 * Stride-2 3×3 conv that halves even H and W exactly: LDM's asymmetric (0,1) padding, or with
 * `symmetric` the (1,1) padding of openaimodel/EDM's `Downsample` (which DiffSDA's UNet uses:
 * output pixel i is centred on input pixel 2i rather than between 2i and 2i+1).
 */
export class Downsample extends Module {
  readonly conv: Conv2d;
  constructor(channels: number, rng: Rng, readonly symmetric = false) {
    super();
    this.conv = this.child('conv', new Conv2d(channels, channels, 3, rng, { stride: 2, padding: symmetric ? 1 : 0 }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.conv.forward(this.symmetric ? x : tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]])));
  }
}

/** Nearest ×2 upsampling followed by a 3×3 conv. */
export class Upsample extends Module {
  readonly conv: Conv2d;
  constructor(channels: number, rng: Rng) {
    super();
    this.conv = this.child('conv', new Conv2d(channels, channels, 3, rng, { padding: 1 }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.conv.forward(upsampleNearest(x as tf.Tensor4D, 2)));
  }
}
