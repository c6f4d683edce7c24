import * as tf from '@tensorflow/tfjs-core';
import { Linear, LSTMCell } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { DVAE_SCHEMA, DynamicalVAE, drawOrMean, type DvaePass, type DvaeParams } from './dvae-base.ts';
import { frameDecoder, GaussianHead, type FrameDecoder } from './frame-nets.ts';

/**
 * Variational RNN (Chung et al. 2015): h_t = LSTM([φx(x_t), φz(z_t)], h_{t−1});
 * prior p(z_t | h_{t−1}); posterior q(z_t | φx(x_t), h_{t−1}); decoder p(x_t | φz(z_t), h_{t−1}).
 */
export class VRNN extends DynamicalVAE {
  private readonly phiZ: Linear;
  private readonly priorHead: GaussianHead;
  private readonly postHidden: Linear;
  private readonly postHead: GaussianHead;
  private readonly rnn: LSTMCell;
  private readonly decoder: FrameDecoder;

  constructor(p: DvaeParams, rng: Rng) {
    super(p, rng);
    const H = p.hidden_dim;
    this.phiZ = this.child('phi_z', new Linear(p.z_dim, p.x_embed, rng, { activation: 'tanh' }));
    this.priorHead = this.child('prior_head', new GaussianHead(H, p.z_dim, rng));
    this.postHidden = this.child('post_hidden', new Linear(p.x_embed + H, H, rng, { activation: 'tanh' }));
    this.postHead = this.child('post_head', new GaussianHead(H, p.z_dim, rng));
    this.rnn = this.child('rnn', new LSTMCell(2 * p.x_embed, H, rng));
    this.decoder = this.child('decoder', frameDecoder({ frameShape: p.frame_shape, width: p.width }, p.x_embed + H, rng));
  }

  protected pass(e: tf.Tensor3D, rng: Rng | null): DvaePass {
    const [b, T] = e.shape;
    let state = { h: tf.zeros([b, this.p.hidden_dim]) as tf.Tensor2D, c: tf.zeros([b, this.p.hidden_dim]) as tf.Tensor2D };
    const zs: tf.Tensor[] = [], mus: tf.Tensor[] = [], lvs: tf.Tensor[] = [], pmus: tf.Tensor[] = [], plvs: tf.Tensor[] = [], dec: tf.Tensor[] = [];
    const frames = tf.unstack(e, 1);
    for (let t = 0; t < T; t++) {
      const prior = this.priorHead.forward(state.h);
      const q = this.postHead.forward(this.postHidden.forward(tf.concat([frames[t], state.h], 1)));
      const z = drawOrMean(q.mu, q.logvar, rng);
      const fz = this.phiZ.forward(z);
      dec.push(tf.concat([fz, state.h], 1));
      state = this.rnn.step(tf.concat([frames[t], fz], 1) as tf.Tensor2D, state);
      zs.push(z); mus.push(q.mu); lvs.push(q.logvar); pmus.push(prior.mu); plvs.push(prior.logvar);
    }
    const st = (a: tf.Tensor[]) => tf.stack(a, 1) as tf.Tensor3D;
    return { z: st(zs), mu: st(mus), logvar: st(lvs), priorMu: st(pmus), priorLogvar: st(plvs), xHat: this.decoder.forward(st(dec)) };
  }
}

export const vrnnSpec = defineComponent<DvaeParams, VRNN>({
  target: 'untangle.models.VRNN', kind: 'model',
  description: 'Variational RNN (Chung et al. 2015), a dynamical VAE with a learned prior p(z_t | h_{t-1})',
  schema: DVAE_SCHEMA,
  create: (p, ctx) => new VRNN(p, new Rng(ctx.seed)),
});
