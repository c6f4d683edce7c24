import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs, StepContext } from '../../framework/contracts/index.ts';
import type { Batch } from '../../framework/contracts/index.ts';
import { bernoulliNll, gaussianNll, klStandardNormal } from './gaussian.ts';

export interface BetaVAELossParams {
  beta: number;
  likelihood: 'bernoulli' | 'gaussian';
  /** Burgess et al. capacity annealing: γ·|KL − C(step)| with C rising linearly to c_max. Off when gamma is 0. */
  gamma: number;
  c_max: number;
  c_stop_step: number;
}

/** Reconstruction negative log-likelihood for the decoder's output, per example. */
export function reconstructionNll(x: tf.Tensor, logits: tf.Tensor, likelihood: 'bernoulli' | 'gaussian'): tf.Tensor1D {
  return likelihood === 'bernoulli' ? bernoulliNll(x, logits) : gaussianNll(x, tf.sigmoid(logits));
}

/**
 * β-VAE (Higgins et al. 2017): E[−log p(x|z)] + β·KL(q(z|x) ‖ p(z)), averaged over the batch; or
 * with `gamma > 0` the capacity-annealed form of Burgess et al. (2018): recon + γ·|KL − C|.
 */
export class BetaVAELoss implements Loss {
  constructor(readonly p: BetaVAELossParams) {}

  compute(batch: Batch, out: Outputs, ctx: StepContext): LossTerms {
    const recon = tf.mean(reconstructionNll(batch.x, out.logits, this.p.likelihood)) as tf.Scalar;
    const kl = tf.mean(klStandardNormal(out.mu as tf.Tensor2D, out.logvar as tf.Tensor2D)) as tf.Scalar;
    if (this.p.gamma > 0) {
      const c = this.p.c_max * Math.min(1, ctx.step / Math.max(1, this.p.c_stop_step));
      const total = tf.add(recon, tf.mul(this.p.gamma, tf.abs(tf.sub(kl, c)))) as tf.Scalar;
      return { total, terms: { recon, kl, capacity: tf.scalar(c) } };
    }
    const total = tf.add(recon, tf.mul(this.p.beta, kl)) as tf.Scalar;
    return { total, terms: { recon, kl, elbo: tf.neg(tf.add(recon, kl)) as tf.Scalar } };
  }
}

export const betaVaeLossSpec = defineComponent<BetaVAELossParams, BetaVAELoss>({
  target: 'untangle.losses.BetaVAE',
  kind: 'loss',
  description: 'β-VAE objective (Higgins 2017), optionally capacity-annealed (Burgess 2018)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      beta: { type: 'number', minimum: 0, default: 4 },
      likelihood: { enum: ['bernoulli', 'gaussian'], default: 'bernoulli' },
      gamma: { type: 'number', minimum: 0, default: 0 },
      c_max: { type: 'number', minimum: 0, default: 25 },
      c_stop_step: { type: 'integer', minimum: 1, default: 100000 },
    },
  },
  create: (p) => new BetaVAELoss(p),
});
