import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, ConvTranspose2d, Linear, Module } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';

/**
 * The per-frame encoder and decoder shared by every sequential model: a convolutional pair for
 * 64×64 frames (DSVAE's: four 4×4 stride-2 convolutions of `width` channels, 256 in Li & Mandt,
 * then a dense layer to `out` = conv_dim, 1024 in the paper) and an MLP pair for feature frames
 * (80-d log-mel, time-series values). Both map `[B, T, ...frame]` ↔ `[B, T, d]`.
 */
export interface FrameCodecSpec {
  /** `[64, 64, C]` for images, `[F]` for feature vectors. */
  frameShape: number[];
  /** Conv channels (images) or MLP hidden units (features). */
  width: number;
}

export abstract class FrameEncoder extends Module {
  abstract readonly outDim: number;
  protected abstract encodeFlat(x: tf.Tensor): tf.Tensor2D;
  /** `[B, T, ...frame]` → `[B, T, outDim]`. */
  forward(x: tf.Tensor): tf.Tensor3D {
    const [b, t] = x.shape;
    const flat = tf.reshape(x, [b * t, ...x.shape.slice(2)]);
    return tf.reshape(this.encodeFlat(flat), [b, t, this.outDim]);
  }
}

export abstract class FrameDecoder extends Module {
  constructor(readonly frameShape: number[]) { super(); }
  protected abstract decodeFlat(h: tf.Tensor2D): tf.Tensor;
  /** `[B, T, d]` → `[B, T, ...frame]` (logits for images, means for features). */
  forward(h: tf.Tensor3D): tf.Tensor {
    const [b, t, d] = h.shape;
    return tf.reshape(this.decodeFlat(tf.reshape(h, [b * t, d])), [b, t, ...this.frameShape]);
  }
}

export class ConvFrameEncoder extends FrameEncoder {
  private readonly convs: Conv2d[];
  private readonly fc: Linear;

  constructor(channels: number, width: number, readonly outDim: number, rng: Rng) {
    super();
    let c = channels;
    this.convs = [0, 1, 2, 3].map((i) => {
      const conv = this.child(`conv${i + 1}`, new Conv2d(c, width, 4, rng, { stride: 2, padding: 1, activation: 'leaky_relu' }));
      c = width;
      return conv;
    });
    this.fc = this.child('fc', new Linear(4 * 4 * width, outDim, rng, { activation: 'leaky_relu' }));
  }

  protected encodeFlat(x: tf.Tensor): tf.Tensor2D {
    let h = x;
    for (const c of this.convs) h = c.forward(h);
    return this.fc.forward(tf.reshape(h, [h.shape[0], -1])) as tf.Tensor2D;
  }
}

export class ConvFrameDecoder extends FrameDecoder {
  private readonly fc: Linear;
  private readonly deconvs: ConvTranspose2d[];

  constructor(inDim: number, channels: number, private readonly width: number, rng: Rng) {
    super([64, 64, channels]);
    this.fc = this.child('fc', new Linear(inDim, 4 * 4 * width, rng, { activation: 'leaky_relu' }));
    this.deconvs = [0, 1, 2, 3].map((i) => this.child(`deconv${i + 1}`,
      new ConvTranspose2d(width, i < 3 ? width : channels, 4, rng, { stride: 2, padding: 1, activation: i < 3 ? 'leaky_relu' : 'identity' })));
  }

  protected decodeFlat(h: tf.Tensor2D): tf.Tensor {
    let y: tf.Tensor = tf.reshape(this.fc.forward(h), [h.shape[0], 4, 4, this.width]);
    for (const d of this.deconvs) y = d.forward(y);
    return y;
  }
}

export class MlpFrameEncoder extends FrameEncoder {
  private readonly l1: Linear;
  private readonly l2: Linear;

  constructor(features: number, width: number, readonly outDim: number, rng: Rng) {
    super();
    this.l1 = this.child('l1', new Linear(features, width, rng, { activation: 'tanh' }));
    this.l2 = this.child('l2', new Linear(width, outDim, rng, { activation: 'tanh' }));
  }

  protected encodeFlat(x: tf.Tensor): tf.Tensor2D {
    return this.l2.forward(this.l1.forward(x)) as tf.Tensor2D;
  }
}

export class MlpFrameDecoder extends FrameDecoder {
  private readonly l1: Linear;
  private readonly l2: Linear;

  constructor(inDim: number, features: number, width: number, rng: Rng) {
    super([features]);
    this.l1 = this.child('l1', new Linear(inDim, width, rng, { activation: 'tanh' }));
    this.l2 = this.child('l2', new Linear(width, features, rng));
  }

  protected decodeFlat(h: tf.Tensor2D): tf.Tensor {
    return this.l2.forward(this.l1.forward(h));
  }
}

export function isImageFrame(frameShape: number[]): boolean {
  return frameShape.length === 3;
}

export function frameEncoder(spec: FrameCodecSpec, outDim: number, rng: Rng): FrameEncoder {
  return isImageFrame(spec.frameShape)
    ? new ConvFrameEncoder(spec.frameShape[2], spec.width, outDim, rng)
    : new MlpFrameEncoder(spec.frameShape[0], spec.width, outDim, rng);
}

export function frameDecoder(spec: FrameCodecSpec, inDim: number, rng: Rng): FrameDecoder {
  return isImageFrame(spec.frameShape)
    ? new ConvFrameDecoder(inDim, spec.frameShape[2], spec.width, rng)
    : new MlpFrameDecoder(inDim, spec.frameShape[0], spec.width, rng);
}

/**
 * Linear → (μ, log σ²), the Gaussian head of every posterior and learned prior. `logvarOffset` is
 * added to the linear log σ² (a fixed shift, i.e. where log σ² starts): a negative one makes a
 * posterior start narrow, so the decoder sees the code's signal rather than unit noise.
 */
export class GaussianHead extends Module {
  private readonly lin: Linear;
  constructor(inDim: number, readonly dim: number, rng: Rng, private readonly logvarOffset = 0) {
    super();
    this.lin = this.child('lin', new Linear(inDim, 2 * dim, rng));
  }
  forward(h: tf.Tensor): { mu: tf.Tensor; logvar: tf.Tensor } {
    const out = this.lin.forward(h);
    const [mu, logvar] = tf.split(out, 2, out.rank - 1);
    return { mu, logvar: this.logvarOffset === 0 ? logvar : tf.add(logvar, this.logvarOffset) };
  }
}
