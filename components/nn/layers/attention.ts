import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { UnaryModule } from '../module.ts';
import { Linear } from './linear.ts';

/**
 * Multi-head self-attention over tokens `[B, N, C]` (for UNet attention blocks, flatten NHWC to
 * `[B, H·W, C]`). softmax(q·kᵀ/√d)·v per head, then an output projection.
 *
 * Children: `qkv` (Linear C → 3C; columns are [q | k | v], each split into heads of d = C/heads)
 * and `proj` (Linear C → C). This equals PyTorch `nn.MultiheadAttention(C, heads)` with
 * `in_proj_weight = qkv.weightᵀ`, `out_proj.weight = proj.weightᵀ`.
 */
export class MultiHeadSelfAttention extends UnaryModule {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly headDim: number;

  constructor(readonly channels: number, readonly numHeads: number, rng: Rng, opts: { bias?: boolean } = {}) {
    super();
    if (channels % numHeads !== 0) {
      throw new UntangleError('nn.attention.heads', `${channels} channels do not split into ${numHeads} heads`, { channels, numHeads });
    }
    this.headDim = channels / numHeads;
    this.qkv = this.child('qkv', new Linear(channels, 3 * channels, rng, { bias: opts.bias ?? true }));
    this.proj = this.child('proj', new Linear(channels, channels, rng, { bias: opts.bias ?? true }));
  }

  forward(x: tf.Tensor): tf.Tensor3D {
    if (x.rank !== 3 || x.shape[2] !== this.channels) {
      throw new UntangleError('nn.attention.shape', `MultiHeadSelfAttention expects [B, N, ${this.channels}], got [${x.shape}]`,
        { shape: x.shape }, 'flatten images with x.reshape([B, H * W, C])');
    }
    const [b, n] = x.shape;
    const h = this.numHeads;
    const d = this.headDim;
    return tf.tidy(() => {
      // [B, N, 3C] → [3, B, h, N, d]
      const qkv = tf.transpose(tf.reshape(this.qkv.forward(x), [b, n, 3, h, d]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(qkv, 0).map((t) => tf.reshape(t, [b * h, n, d]) as tf.Tensor3D);
      const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(d)), k, false, true);
      const attn = tf.matMul(tf.softmax(scores), v); // [B·h, N, d]
      const merged = tf.reshape(tf.transpose(tf.reshape(attn, [b, h, n, d]), [0, 2, 1, 3]), [b, n, this.channels]);
      return this.proj.forward(merged) as tf.Tensor3D;
    });
  }
}
