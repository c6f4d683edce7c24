import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, ConvTranspose2d, Linear } from '../nn/index.ts';
import type { Rng } from '../../framework/util/rng.ts';

/**
 * The convolutional encoder and decoder of Burgess et al. (2018) and disentanglement_lib's
 * `conv_encoder`/`deconv_decoder` for 64×64 images: four 4×4 stride-2 convolutions (32, 32, 64,
 * 64), a 256-unit dense layer, and the mirror image. Widths scale with `width` (1 = the paper's).
 */
export class ConvEncoder extends Module {
  private readonly convs: Conv2d[];
  private readonly fc: Linear;
  private readonly head: Linear;

  constructor(channels: number, latentDim: number, rng: Rng, width = 1, hidden = 256) {
    super();
    const w = [32, 32, 64, 64].map((c) => Math.max(1, Math.round(c * width)));
    let inC = channels;
    this.convs = w.map((c, i) => {
      const conv = this.child(`conv${i + 1}`, new Conv2d(inC, c, 4, rng, { stride: 2, padding: 1, activation: 'relu' }));
      inC = c;
      return conv;
    });
    this.fc = this.child('fc', new Linear(4 * 4 * inC, hidden, rng, { activation: 'relu' }));
    this.head = this.child('head', new Linear(hidden, 2 * latentDim, rng));
  }

  /** `[B, 64, 64, C]` → mean and log-variance `[B, latentDim]` each. */
  forward(x: tf.Tensor): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    let h: tf.Tensor = x;
    for (const c of this.convs) h = c.forward(h);
    const flat = tf.reshape(h, [h.shape[0], -1]);
    const out = this.head.forward(this.fc.forward(flat)) as tf.Tensor2D;
    const [mu, logvar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { mu, logvar };
  }
}

export class DeconvDecoder extends Module {
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  private readonly deconvs: ConvTranspose2d[];
  private readonly base: number;

  constructor(channels: number, latentDim: number, rng: Rng, width = 1, hidden = 256) {
    super();
    const w = [64, 32, 32].map((c) => Math.max(1, Math.round(c * width)));
    this.base = Math.max(1, Math.round(64 * width));
    this.fc1 = this.child('fc1', new Linear(latentDim, hidden, rng, { activation: 'relu' }));
    this.fc2 = this.child('fc2', new Linear(hidden, 4 * 4 * this.base, rng, { activation: 'relu' }));
    let inC = this.base;
    this.deconvs = [...w, channels].map((c, i) => {
      const d = this.child(`deconv${i + 1}`, new ConvTranspose2d(inC, c, 4, rng, { stride: 2, padding: 1, activation: i < w.length ? 'relu' : 'identity' }));
      inC = c;
      return d;
    });
  }

  /** `[B, latentDim]` → logits `[B, 64, 64, C]`. */
  forward(z: tf.Tensor): tf.Tensor4D {
    let h = tf.reshape(this.fc2.forward(this.fc1.forward(z)), [z.shape[0], 4, 4, this.base]);
    for (const d of this.deconvs) h = d.forward(h);
    return h as tf.Tensor4D;
  }
}
