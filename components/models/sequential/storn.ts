import * as tf from '@tensorflow/tfjs-core';
import { LSTM } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { DVAE_SCHEMA, DynamicalVAE, drawOrMean, shiftRight, type DvaePass, type DvaeParams } from './dvae-base.ts';
import { frameDecoder, GaussianHead, type FrameDecoder } from './frame-nets.ts';

/**
 * STORN (Bayer & Osendorfer 2014): posterior q(z_t | x_1:t) from a forward LSTM over φx(x);
 * prior N(0, I) at every step; generative LSTM over [z_t, φx(x_{t−1})] and p(x_t | h_t).
 */
export class STORN extends DynamicalVAE {
  private readonly inference: LSTM;
  private readonly postHead: GaussianHead;
  private readonly generative: LSTM;
  private readonly decoder: FrameDecoder;

  constructor(p: DvaeParams, rng: Rng) {
    super(p, rng);
    const H = p.hidden_dim;
    this.inference = this.child('inference', new LSTM(p.x_embed, H, rng));
    this.postHead = this.child('post_head', new GaussianHead(H, p.z_dim, rng));
    this.generative = this.child('generative', new LSTM(p.z_dim + p.x_embed, H, rng));
    this.decoder = this.child('decoder', frameDecoder({ frameShape: p.frame_shape, width: p.width }, H, rng));
  }

  protected pass(e: tf.Tensor3D, rng: Rng | null): DvaePass {
    const q = this.postHead.forward(this.inference.forward(e).output);
    const z = drawOrMean(q.mu, q.logvar, rng) as tf.Tensor3D;
    const h = this.generative.forward(tf.concat([z, shiftRight(e)], 2) as tf.Tensor3D).output;
    return { z, mu: q.mu as tf.Tensor3D, logvar: q.logvar as tf.Tensor3D, xHat: this.decoder.forward(h) };
  }
}

export const stornSpec = defineComponent<DvaeParams, STORN>({
  target: 'untangle.models.STORN', kind: 'model',
  description: 'STORN (Bayer & Osendorfer 2014): forward-RNN posterior, N(0,I) prior, generative RNN on [z_t, x_{t-1}]',
  schema: DVAE_SCHEMA,
  create: (p, ctx) => new STORN(p, new Rng(ctx.seed)),
});
