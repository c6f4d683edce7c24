import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, GroupNorm, Linear, relu } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { groupsFor } from '../autoencoder/blocks.ts';

/**
 * DisDiff's representation encoder (`Encoder4`): 4×4 stride-2 convs (width d, norm, ReLU) down
 * to 4×4 pixels, two residual blocks, flatten, linear to N·D. The original is hard-wired to 64×64
 * inputs and d = 128 (four downsamplings, a reshape to 128·4·4); here both are parameters, and
 * GroupNorm replaces BatchNorm so codes do not depend on batch composition.
 */
export class UnitEncoder extends Module {
  private readonly downs: { conv: Conv2d; norm: GroupNorm }[] = [];
  private readonly res: { c1: Conv2d; c2: Conv2d }[] = [];
  private readonly head: Linear;

  constructor(readonly imageSize: number, inChannels: number, width: number, readonly units: number, readonly unitDim: number, rng: Rng) {
    super();
    const n = Math.log2(imageSize / 4);
    if (!Number.isInteger(n) || n < 1) {
      throw new UntangleError('disdiff-encoder-size', `encoder image_size must be 4·2^k (k ≥ 1), got ${imageSize}`, { imageSize });
    }
    let c = inChannels;
    for (let i = 0; i < n; i++) {
      this.downs.push({
        conv: this.child(`down${i}_conv`, new Conv2d(c, width, 4, rng, { stride: 2, padding: 1 })),
        norm: this.child(`down${i}_norm`, new GroupNorm(groupsFor(width, 8), width)),
      });
      c = width;
    }
    for (let i = 0; i < 2; i++) {
      this.res.push({
        c1: this.child(`res${i}_conv1`, new Conv2d(width, width, 3, rng, { padding: 1 })),
        c2: this.child(`res${i}_conv2`, new Conv2d(width, width, 1, rng)),
      });
    }
    this.head = this.child('head', new Linear(width * 16, units * unitDim, rng));
  }

  /** Images `[B,H,W,C]` in [0,1] → unit codes `[B, N, D]`. */
  forward(x: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => this.forwardSigned(tf.sub(tf.mul(x, 2), 1)));
  }

  /** Images in [−1, 1] (a decoder's unclipped output) → unit codes `[B, N, D]`. */
  forwardSigned(x: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      let h: tf.Tensor = x;
      for (const d of this.downs) h = relu(d.norm.forward(d.conv.forward(h)));
      for (const r of this.res) h = relu(tf.add(h, r.c2.forward(relu(r.c1.forward(h)))));
      return tf.reshape(this.head.forward(tf.reshape(h, [x.shape[0], -1])), [x.shape[0], this.units, this.unitDim]) as tf.Tensor3D;
    });
  }
}
