import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, ConvTranspose2d, GroupNorm, Linear, Module } from '../../nn/index.ts';
import { leakyRelu } from '../../nn/activations.ts';
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
  /**
   * GroupNorm after each hidden conv (images only). Without normalisation the stack of five
   * PyTorch-initialised layers starts nearly insensitive to its input, and the CPU-budget runs
   * decoded the mean frame for every code; the seeds' DSVAE codecs normalise (BatchNorm).
   */
  norm?: boolean;
}

/** Groups for GroupNorm over `c` channels: the largest divisor of c that is at most 8. */
function groupsFor(c: number): number {
  for (let g = Math.min(8, c); g > 1; g--) if (c % g === 0) return g;
  return 1;
}

/** A conv layer, optionally GroupNorm, then leaky ReLU (the activation moves after the norm). */
class NormedAct extends Module {
  private readonly gn: GroupNorm | null;
  constructor(channels: number, norm: boolean) {
    super();
    this.gn = norm ? this.child('gn', new GroupNorm(groupsFor(channels), channels)) : null;
  }
  forward(h: tf.Tensor): tf.Tensor {
    return this.gn ? leakyRelu(this.gn.forward(h)) : h;
  }
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
  private readonly norms: NormedAct[];
  private readonly fc: Linear;

  /** `size`: the frames' H = W, a multiple of 16 (64 for the papers' Sprites; 32 for the small renders). */
  constructor(channels: number, width: number, readonly outDim: number, rng: Rng, norm = false, size = 64) {
    super();
    let c = channels;
    this.convs = [0, 1, 2, 3].map((i) => {
      const conv = this.child(`conv${i + 1}`, new Conv2d(c, width, 4, rng, { stride: 2, padding: 1, activation: norm ? 'identity' : 'leaky_relu' }));
      c = width;
      return conv;
    });
    this.norms = [0, 1, 2, 3].map((i) => this.child(`norm${i + 1}`, new NormedAct(width, norm)));
    this.fc = this.child('fc', new Linear((size / 16) ** 2 * width, outDim, rng, { activation: 'leaky_relu' }));
  }

  protected encodeFlat(x: tf.Tensor): tf.Tensor2D {
    let h = x;
    this.convs.forEach((c, i) => { h = this.norms[i].forward(c.forward(h)); });
    return this.fc.forward(tf.reshape(h, [h.shape[0], -1])) as tf.Tensor2D;
  }
}

export class ConvFrameDecoder extends FrameDecoder {
  private readonly fc: Linear;
  private readonly deconvs: ConvTranspose2d[];
  private readonly norms: NormedAct[];

  constructor(inDim: number, channels: number, private readonly width: number, rng: Rng, norm = false) {
    super([64, 64, channels]);
    this.fc = this.child('fc', new Linear(inDim, 4 * 4 * width, rng, { activation: 'leaky_relu' }));
    this.deconvs = [0, 1, 2, 3].map((i) => this.child(`deconv${i + 1}`,
      new ConvTranspose2d(width, i < 3 ? width : channels, 4, rng, { stride: 2, padding: 1, activation: i < 3 && !norm ? 'leaky_relu' : 'identity' })));
    this.norms = [0, 1, 2].map((i) => this.child(`norm${i + 1}`, new NormedAct(width, norm)));
  }

  protected decodeFlat(h: tf.Tensor2D): tf.Tensor {
    let y: tf.Tensor = tf.reshape(this.fc.forward(h), [h.shape[0], 4, 4, this.width]);
    this.deconvs.forEach((d, i) => { y = d.forward(y); if (i < 3) y = this.norms[i].forward(y); });
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
    ? new ConvFrameEncoder(spec.frameShape[2], spec.width, outDim, rng, spec.norm ?? false, spec.frameShape[0])
    : new MlpFrameEncoder(spec.frameShape[0], spec.width, outDim, rng);
}

export function frameDecoder(spec: FrameCodecSpec, inDim: number, rng: Rng): FrameDecoder {
  return isImageFrame(spec.frameShape)
    ? new ConvFrameDecoder(inDim, spec.frameShape[2], spec.width, rng, spec.norm ?? false)
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
