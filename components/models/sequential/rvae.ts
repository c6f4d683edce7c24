import * as tf from '@tensorflow/tfjs-core';
import { Bidirectional, LSTM, LSTMCell, Linear } from '../../nn/index.ts';
import { defineComponent, type JsonSchema } from '../../../framework/registry/types.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { DVAE_SCHEMA, DynamicalVAE, drawOrMean, reverseTime, type DvaePass, type DvaeParams } from './dvae-base.ts';
import { frameDecoder, GaussianHead, type FrameDecoder } from './frame-nets.ts';

export interface RvaeParams extends DvaeParams {
  /** Non-causal generation (a BiLSTM over z, Leglaive et al.'s best variant) or causal (forward LSTM). */
  bidirectional: boolean;
}

/**
 * Recurrent VAE (Leglaive et al. 2020): posterior q(z_t | z_{t−1}, x_t:T) from a backward LSTM
 * over φx(x) and a forward LSTM over z_{<t}; prior N(0, I); generation x_t from an RNN over z.
 */
export class RVAE extends DynamicalVAE {
  private readonly backward: LSTM;
  private readonly zRnn: LSTMCell;
  private readonly postHidden: Linear;
  private readonly postHead: GaussianHead;
  private readonly generative: LSTM | Bidirectional;
  private readonly decoder: FrameDecoder;

  constructor(readonly rp: RvaeParams, rng: Rng) {
    super(rp, rng);
    const H = rp.hidden_dim;
    this.backward = this.child('backward', new LSTM(rp.x_embed, H, rng));
    this.zRnn = this.child('z_rnn', new LSTMCell(rp.z_dim, H, rng));
    this.postHidden = this.child('post_hidden', new Linear(2 * H, H, rng, { activation: 'tanh' }));
    this.postHead = this.child('post_head', new GaussianHead(H, rp.z_dim, rng));
    this.generative = this.child('generative', rp.bidirectional ? Bidirectional.lstm(rp.z_dim, H, rng) : new LSTM(rp.z_dim, H, rng));
    this.decoder = this.child('decoder', frameDecoder({ frameShape: rp.frame_shape, width: rp.width }, rp.bidirectional ? 2 * H : H, rng));
  }

  protected pass(e: tf.Tensor3D, rng: Rng | null): DvaePass {
    const [b, T] = e.shape;
    const g = tf.unstack(reverseTime(this.backward.forward(reverseTime(e)).output), 1);
    let zPrev = tf.zeros([b, this.p.z_dim]) as tf.Tensor2D;
    let state: { h: tf.Tensor2D; c: tf.Tensor2D } | undefined;
    const zs: tf.Tensor[] = [], mus: tf.Tensor[] = [], lvs: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      state = this.zRnn.step(zPrev, state);
      const q = this.postHead.forward(this.postHidden.forward(tf.concat([g[t], state.h], 1)));
      zPrev = drawOrMean(q.mu, q.logvar, rng) as tf.Tensor2D;
      zs.push(zPrev); mus.push(q.mu); lvs.push(q.logvar);
    }
    const z = tf.stack(zs, 1) as tf.Tensor3D;
    return {
      z, mu: tf.stack(mus, 1) as tf.Tensor3D, logvar: tf.stack(lvs, 1) as tf.Tensor3D,
      xHat: this.decoder.forward(this.generative.forward(z).output),
    };
  }
}

const RVAE_SCHEMA: JsonSchema = {
  ...DVAE_SCHEMA,
  properties: { ...(DVAE_SCHEMA.properties as Record<string, unknown>), bidirectional: { type: 'boolean', default: true } },
};

export const rvaeSpec = defineComponent<RvaeParams, RVAE>({
  target: 'untangle.models.RVAE', kind: 'model',
  description: 'Recurrent VAE (Leglaive et al. 2020): N(0,I) prior, RNN posterior over z and x, (bi)RNN generation',
  schema: RVAE_SCHEMA,
  create: (p, ctx) => new RVAE(p, new Rng(ctx.seed)),
});
