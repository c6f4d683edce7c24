import * as tf from '@tensorflow/tfjs-core';
import { LSTM, LSTMCell, Linear, Module } from '../../nn/index.ts';
import { normal } from '../../nn/init.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { normalNoise } from '../../nn/gaussian-noise.ts';
import { frameDecoder, frameEncoder, GaussianHead, isImageFrame, type FrameDecoder, type FrameEncoder } from './frame-nets.ts';
import { kalmanFilter, rtsSmoother, type Lgssm } from './kalman.ts';

export interface KvaeParams {
  frame_shape: number[];
  frames: number;
  /** Size of the frame encoder's output φ(x_t). */
  x_embed: number;
  /** Pseudo-observation a_t (Fraccaro et al.: 2 for the bouncing ball). */
  a_dim: number;
  /** LGSSM state z_t (4 in the paper). */
  z_dim: number;
  /** Number of base matrices mixed by the dynamics parameter network (K = 3 in the paper). */
  num_bases: number;
  /** LSTM units of the dynamics parameter network. */
  hidden_dim: number;
  width: number;
  /** Variances of Q = q·I, R = r·I and P0 = p0·I (the paper's 0.08, 0.03 and 20). */
  transition_noise: number;
  emission_noise: number;
  init_cov: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Kalman VAE (Fraccaro, Kamronn, Paquet & Winther, NeurIPS 2017). Each frame has a VAE code a_t
 * (q(a_t | x_t) from the shared frame encoder, p(x_t | a_t) from the shared frame decoder); the
 * a_1:T are the observations of a linear-Gaussian state-space model over z_t
 * (kalman.ts): z_t = A_t z_{t−1} + w, a_t = C_t z_t + v. The matrices mix K learned bases,
 * A_t = Σ_k α_t^k A^k, C_t = Σ_k α_t^k C^k, with α_t = softmax(W · LSTM(a_0:t−1)) (a_0 = 0), so
 * α_t depends only on the past and Π_t p(a_t | a_<t) from the Kalman filter is a proper density.
 * The loss term is the exact marginal log p_γ(a) from the filter (z integrated out, rather than
 * the paper's smoothed-sample estimate of the same bound): outputs `a_log_q` and `a_log_p`, per
 * example, which SequentialELBO turns into the Monte-Carlo KL(q(a|x) ‖ p_γ(a)). The RTS smoother
 * gives the state posterior E[z_t | a_1:T], the representation.
 */
export class KVAE extends Module implements Model {
  readonly encoder: FrameEncoder;
  readonly decoder: FrameDecoder;
  private readonly aHead: GaussianHead;
  private readonly alphaRnn: LSTM;
  private readonly alphaOut: Linear;
  private readonly aBases: tf.Variable;
  private readonly cBases: tf.Variable;

  constructor(readonly p: KvaeParams, rng: Rng) {
    super();
    const codec = { frameShape: p.frame_shape, width: p.width };
    const n = p.z_dim, m = p.a_dim, k = p.num_bases;
    this.encoder = this.child('encoder', frameEncoder(codec, p.x_embed, rng));
    this.aHead = this.child('a_head', new GaussianHead(p.x_embed, m, rng));
    this.decoder = this.child('decoder', frameDecoder(codec, m, rng));
    this.alphaRnn = this.child('alpha_rnn', new LSTM(m, p.hidden_dim, rng));
    this.alphaOut = this.child('alpha_out', new Linear(p.hidden_dim, k, rng));
    // A^k start at the identity (a random walk: the paper's initialisation), C^k random.
    const eye = (): Float32Array => Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    this.aBases = this.param('A', [k, n * n], () => { const out = new Float32Array(k * n * n); for (let i = 0; i < k; i++) out.set(eye(), i * n * n); return out; }, rng);
    this.cBases = this.param('C', [k, m * n], normal(1 / Math.sqrt(n)), rng);
  }

  /** α_t `[B, T, K]` from the past pseudo-observations. */
  mixture(a: tf.Tensor3D): tf.Tensor3D {
    const [b, t, m] = a.shape;
    const past = tf.concat([tf.zeros([b, 1, m]), tf.slice(a, [0, 0, 0], [b, t - 1, m])], 1) as tf.Tensor3D;
    return tf.softmax(this.alphaOut.forward(this.alphaRnn.forward(past).output)) as tf.Tensor3D;
  }

  /** The LGSSM whose matrices at step t mix the bases with α_t. */
  lgssm(alpha: tf.Tensor3D): Lgssm {
    const [b, t, k] = alpha.shape;
    const n = this.p.z_dim, m = this.p.a_dim;
    const flat = tf.reshape(alpha, [b * t, k]);
    const A = tf.reshape(tf.matMul(flat, this.aBases), [b, t, n, n]);
    const C = tf.reshape(tf.matMul(flat, this.cBases), [b, t, m, n]);
    const at = (x: tf.Tensor4D, i: number, r: number, c: number) => tf.reshape(tf.slice(x, [0, i, 0, 0], [b, 1, r, c]), [b, r, c]) as tf.Tensor3D;
    return {
      transition: Array.from({ length: t }, (_, i) => at(A as tf.Tensor4D, i, n, n)),
      emission: Array.from({ length: t }, (_, i) => at(C as tf.Tensor4D, i, m, n)),
      q: tf.mul(tf.eye(n), this.p.transition_noise) as tf.Tensor2D,
      r: tf.mul(tf.eye(m), this.p.emission_noise) as tf.Tensor2D,
      mu0: tf.zeros([n]) as tf.Tensor1D,
      p0: tf.mul(tf.eye(n), this.p.init_cov) as tf.Tensor2D,
    };
  }

  private encodeA(x: tf.Tensor): { mu: tf.Tensor3D; logvar: tf.Tensor3D } {
    const { mu, logvar } = this.aHead.forward(this.encoder.forward(x));
    return { mu: mu as tf.Tensor3D, logvar: logvar as tf.Tensor3D };
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const { mu, logvar } = this.encodeA(batch.x);
    const eps = normalNoise(mu.shape, ctx.rng);
    const a = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor3D;
    const logQ = tf.mul(-0.5, tf.sum(tf.add(tf.add(logvar, tf.square(eps)), LOG_2PI), [1, 2]));
    return { x_hat: this.decoder.forward(a), a, a_log_q: logQ, a_log_p: this.logPrior(a) };
  }

  /** log p_γ(a_1:T) = Σ_t log p(a_t | a_<t), `[B]`: the Kalman filter under the mixed matrices. */
  logPrior(a: tf.Tensor3D): tf.Tensor1D {
    return kalmanFilter(a, this.lgssm(this.mixture(a))).logLik;
  }

  /** E[z_t | a_1:T] `[B, T, n]` and the posterior-mean codes a `[B, T, m]`. */
  smoothedStates(x: tf.Tensor): { z: tf.Tensor3D; a: tf.Tensor3D } {
    const a = this.encodeA(x).mu;
    const ssm = this.lgssm(this.mixture(a));
    const s = rtsSmoother(kalmanFilter(a, ssm), ssm);
    return { z: tf.squeeze(tf.stack(s.means, 1), [3]) as tf.Tensor3D, a };
  }

  reconstruct(x: tf.Tensor): tf.Tensor {
    const raw = this.decoder.forward(this.encodeA(x).mu);
    return isImageFrame(this.p.frame_shape) ? tf.sigmoid(raw) : raw;
  }

  represent(x: tf.Tensor): tf.Tensor2D {
    const { z } = this.smoothedStates(x);
    return tf.reshape(z, [z.shape[0], -1]) as tf.Tensor2D;
  }

  /**
   * Ancestral samples of the generative model: z_1 ~ N(0, P0), a_t ~ N(C_t z_t, R),
   * z_{t+1} ~ N(A_{t+1} z_t, Q), α from the LSTM over the sampled a's; decoded (sigmoid for images).
   */
  generate(n: number, steps: number, rng: Rng): tf.Tensor {
    return tf.tidy(() => {
      const nz = this.p.z_dim, m = this.p.a_dim;
      const cell = this.alphaRnn as LSTMCell;
      let z = tf.mul(normalNoise([n, nz, 1], rng), Math.sqrt(this.p.init_cov)) as tf.Tensor3D;
      let prev = tf.zeros([n, m]) as tf.Tensor2D;
      let state: { h: tf.Tensor2D; c: tf.Tensor2D } | undefined;
      const as: tf.Tensor2D[] = [];
      for (let t = 0; t < steps; t++) {
        state = cell.step(prev, state);
        const alpha = tf.softmax(this.alphaOut.forward(state.h)) as tf.Tensor2D;
        const mix = (bases: tf.Variable, r: number) => tf.reshape(tf.matMul(alpha, bases), [n, r, nz]) as tf.Tensor3D;
        if (t > 0) z = tf.add(tf.matMul(mix(this.aBases, nz), z), tf.mul(normalNoise([n, nz, 1], rng), Math.sqrt(this.p.transition_noise))) as tf.Tensor3D;
        const a = tf.add(tf.reshape(tf.matMul(mix(this.cBases, m), z), [n, m]), tf.mul(normalNoise([n, m], rng), Math.sqrt(this.p.emission_noise))) as tf.Tensor2D;
        as.push(a);
        prev = a;
      }
      const raw = this.decoder.forward(tf.stack(as, 1) as tf.Tensor3D);
      return isImageFrame(this.p.frame_shape) ? tf.sigmoid(raw) : raw;
    });
  }

  logImages(batch: Batch): Record<string, tf.Tensor4D> {
    if (!isImageFrame(this.p.frame_shape)) return {};
    return tf.tidy(() => {
      const x = tf.slice(batch.x, [0], [Math.min(4, batch.x.shape[0])]);
      const [b, t, h, w, c] = x.shape as number[];
      const rows = tf.concat([x, this.reconstruct(x), this.generate(b, t, new Rng(0))], 0);
      return { reconstruction_generation: tf.reshape(rows, [-1, h, w, c]) as tf.Tensor4D };
    });
  }
}

export const KVAE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    frame_shape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 3, default: [64, 64, 1] },
    frames: { type: 'integer', minimum: 2, default: 20 },
    x_embed: { type: 'integer', minimum: 1, default: 256 },
    a_dim: { type: 'integer', minimum: 1, default: 2 },
    z_dim: { type: 'integer', minimum: 1, default: 4 },
    num_bases: { type: 'integer', minimum: 1, default: 3 },
    hidden_dim: { type: 'integer', minimum: 1, default: 50 },
    width: { type: 'integer', minimum: 1, default: 32 },
    transition_noise: { type: 'number', exclusiveMinimum: 0, default: 0.08 },
    emission_noise: { type: 'number', exclusiveMinimum: 0, default: 0.03 },
    init_cov: { type: 'number', exclusiveMinimum: 0, default: 20 },
  },
};

export const kvaeSpec = defineComponent<KvaeParams, KVAE>({
  target: 'untangle.models.KVAE',
  kind: 'model',
  description: 'Kalman VAE (Fraccaro et al. 2017): per-frame VAE codes a_t observed by a linear-Gaussian SSM with LSTM-mixed base matrices',
  schema: KVAE_SCHEMA,
  create: (p, ctx) => new KVAE(p, new Rng(ctx.seed)),
});
