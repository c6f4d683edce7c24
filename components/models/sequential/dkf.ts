import * as tf from '@tensorflow/tfjs-core';
import { Linear, LSTM } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { DVAE_SCHEMA, DynamicalVAE, drawOrMean, reverseTime, shiftRight, type DvaePass, type DvaeParams } from './dvae-base.ts';
import { frameDecoder, GaussianHead, type FrameDecoder } from './frame-nets.ts';

/**
 * Deep Kalman Filter (Krishnan et al. 2017, "ST-R" inference): g_t from a backward LSTM over
 * φx(x_t:T); combiner q(z_t | ½(tanh(W z_{t−1}) + g_t)); gated-free MLP transition prior
 * p(z_t | z_{t−1}); emission p(x_t | z_t).
 */
export class DKF extends DynamicalVAE {
  private readonly backward: LSTM;
  private readonly combine: Linear;
  private readonly postHead: GaussianHead;
  private readonly transition: Linear;
  private readonly priorHead: GaussianHead;
  private readonly decoder: FrameDecoder;

  constructor(p: DvaeParams, rng: Rng) {
    super(p, rng);
    const H = p.hidden_dim;
    this.backward = this.child('backward', new LSTM(p.x_embed, H, rng));
    this.combine = this.child('combine', new Linear(p.z_dim, H, rng, { activation: 'tanh' }));
    this.postHead = this.child('post_head', new GaussianHead(H, p.z_dim, rng));
    this.transition = this.child('transition', new Linear(p.z_dim, H, rng, { activation: 'tanh' }));
    this.priorHead = this.child('prior_head', new GaussianHead(H, p.z_dim, rng));
    this.decoder = this.child('decoder', frameDecoder({ frameShape: p.frame_shape, width: p.width }, p.z_dim, rng));
  }

  protected pass(e: tf.Tensor3D, rng: Rng | null): DvaePass {
    const [b, T] = e.shape;
    const g = tf.unstack(reverseTime(this.backward.forward(reverseTime(e)).output), 1);
    let zPrev = tf.zeros([b, this.p.z_dim]);
    const zs: tf.Tensor[] = [], mus: tf.Tensor[] = [], lvs: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const q = this.postHead.forward(tf.mul(0.5, tf.add(this.combine.forward(zPrev), g[t])));
      zPrev = drawOrMean(q.mu, q.logvar, rng);
      zs.push(zPrev); mus.push(q.mu); lvs.push(q.logvar);
    }
    const z = tf.stack(zs, 1) as tf.Tensor3D;
    const prior = this.priorHead.forward(this.transition.forward(shiftRight(z)));
    return {
      z, mu: tf.stack(mus, 1) as tf.Tensor3D, logvar: tf.stack(lvs, 1) as tf.Tensor3D,
      priorMu: prior.mu as tf.Tensor3D, priorLogvar: prior.logvar as tf.Tensor3D, xHat: this.decoder.forward(z),
    };
  }
}

export const dkfSpec = defineComponent<DvaeParams, DKF>({
  target: 'untangle.models.DKF', kind: 'model',
  description: 'Deep Kalman Filter (Krishnan et al. 2017): backward-RNN combiner posterior, MLP transition prior',
  schema: DVAE_SCHEMA,
  create: (p, ctx) => new DKF(p, new Rng(ctx.seed)),
});
