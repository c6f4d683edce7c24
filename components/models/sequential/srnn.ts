import * as tf from '@tensorflow/tfjs-core';
import { Linear, LSTM } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { DVAE_SCHEMA, DynamicalVAE, drawOrMean, reverseTime, shiftRight, type DvaePass, type DvaeParams } from './dvae-base.ts';
import { frameDecoder, GaussianHead, type FrameDecoder } from './frame-nets.ts';

/**
 * Stochastic RNN (Fraccaro et al. 2016): deterministic d_t = LSTM(φx(x_{t−1})); a backward LSTM
 * over [d_t, φx(x_t)] gives a_t; posterior q(z_t | z_{t−1}, a_t); prior p(z_t | z_{t−1}, d_t);
 * emission p(x_t | z_t, d_t).
 */
export class SRNN extends DynamicalVAE {
  private readonly forwardRnn: LSTM;
  private readonly backwardRnn: LSTM;
  private readonly postHidden: Linear;
  private readonly postHead: GaussianHead;
  private readonly priorHidden: Linear;
  private readonly priorHead: GaussianHead;
  private readonly decoder: FrameDecoder;

  constructor(p: DvaeParams, rng: Rng) {
    super(p, rng);
    const H = p.hidden_dim;
    this.forwardRnn = this.child('forward_rnn', new LSTM(p.x_embed, H, rng));
    this.backwardRnn = this.child('backward_rnn', new LSTM(H + p.x_embed, H, rng));
    this.postHidden = this.child('post_hidden', new Linear(p.z_dim + H, H, rng, { activation: 'tanh' }));
    this.postHead = this.child('post_head', new GaussianHead(H, p.z_dim, rng));
    this.priorHidden = this.child('prior_hidden', new Linear(p.z_dim + H, H, rng, { activation: 'tanh' }));
    this.priorHead = this.child('prior_head', new GaussianHead(H, p.z_dim, rng));
    this.decoder = this.child('decoder', frameDecoder({ frameShape: p.frame_shape, width: p.width }, p.z_dim + H, rng));
  }

  protected pass(e: tf.Tensor3D, rng: Rng | null): DvaePass {
    const [b, T] = e.shape;
    const d = this.forwardRnn.forward(shiftRight(e)).output;
    const a = tf.unstack(reverseTime(this.backwardRnn.forward(reverseTime(tf.concat([d, e], 2) as tf.Tensor3D)).output), 1);
    let zPrev = tf.zeros([b, this.p.z_dim]);
    const zs: tf.Tensor[] = [], mus: tf.Tensor[] = [], lvs: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const q = this.postHead.forward(this.postHidden.forward(tf.concat([zPrev, a[t]], 1)));
      zPrev = drawOrMean(q.mu, q.logvar, rng);
      zs.push(zPrev); mus.push(q.mu); lvs.push(q.logvar);
    }
    const z = tf.stack(zs, 1) as tf.Tensor3D;
    const prior = this.priorHead.forward(this.priorHidden.forward(tf.concat([shiftRight(z), d], 2)));
    return {
      z, mu: tf.stack(mus, 1) as tf.Tensor3D, logvar: tf.stack(lvs, 1) as tf.Tensor3D,
      priorMu: prior.mu as tf.Tensor3D, priorLogvar: prior.logvar as tf.Tensor3D,
      xHat: this.decoder.forward(tf.concat([z, d], 2) as tf.Tensor3D),
    };
  }
}

export const srnnSpec = defineComponent<DvaeParams, SRNN>({
  target: 'untangle.models.SRNN', kind: 'model',
  description: 'Stochastic RNN (Fraccaro et al. 2016): deterministic forward RNN, backward smoothing posterior, learned prior',
  schema: DVAE_SCHEMA,
  create: (p, ctx) => new SRNN(p, new Rng(ctx.seed)),
});
