import * as tf from '@tensorflow/tfjs-core';
import { LSTM, LSTMCell, Module } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { GaussianHead } from './frame-nets.ts';
import { normalNoise } from '../../nn/gaussian-noise.ts';

/**
 * DSVAE's learned dynamic prior p(z_t | z_<t) = N(μ(h_t), σ²(h_t)), h_t = LSTM(z_{t−1}), z_0 = 0.
 * `forward` scores a given sequence (teacher-forced on the posterior samples); `sample` draws
 * ancestrally.
 */
export class LstmPrior extends Module {
  private readonly cell: LSTM;
  private readonly head: GaussianHead;

  constructor(readonly dim: number, hidden: number, rng: Rng) {
    super();
    this.cell = this.child('lstm', new LSTM(dim, hidden, rng));
    this.head = this.child('head', new GaussianHead(hidden, dim, rng));
  }

  /** Prior parameters for each step of `z [B, T, dim]`. */
  forward(z: tf.Tensor3D): { mu: tf.Tensor; logvar: tf.Tensor } {
    const [b, t, d] = z.shape;
    const shifted = tf.concat([tf.zeros([b, 1, d]), tf.slice(z, [0, 0, 0], [b, t - 1, d])], 1) as tf.Tensor3D;
    return this.head.forward(this.cell.forward(shifted).output);
  }

  sample(n: number, steps: number, rng: Rng): tf.Tensor3D {
    return tf.tidy(() => {
      const cell = this.cell as LSTMCell;
      let state: { h: tf.Tensor2D; c: tf.Tensor2D } | undefined;
      let z = tf.zeros([n, this.dim]) as tf.Tensor2D;
      const out: tf.Tensor2D[] = [];
      for (let t = 0; t < steps; t++) {
        state = cell.step(z, state);
        const { mu, logvar } = this.head.forward(state.h);
        z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), normalNoise([n, this.dim], rng))) as tf.Tensor2D;
        out.push(z);
      }
      return tf.stack(out, 1) as tf.Tensor3D;
    });
  }
}
