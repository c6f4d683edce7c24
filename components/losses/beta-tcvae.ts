import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs, StepContext } from '../../framework/contracts/index.ts';
import type { Batch } from '../../framework/contracts/index.ts';
import { gaussianLogDensity, klStandardNormal } from './gaussian.ts';
import { reconstructionNll } from './beta-vae.ts';

export interface BetaTCVAELossParams {
  beta: number;
  likelihood: 'bernoulli' | 'gaussian';
}

/**
 * Minibatch estimate of the total correlation KL(q(z) ‖ Π_d q(z_d)) as disentanglement_lib
 * computes it: log q(z_i) ≈ logsumexp_j log q(z_i | x_j) and log Π_d q(z_id) ≈
 * Σ_d logsumexp_j log q(z_id | x_j); the log(batch · dataset size) constants cancel.
 */
export function totalCorrelation(z: tf.Tensor2D, mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Scalar {
  const [b, d] = z.shape;
  const logQzProb = gaussianLogDensity(tf.reshape(z, [b, 1, d]), tf.reshape(mu, [1, b, d]), tf.reshape(logvar, [1, b, d]));
  const logQzProduct = tf.sum(tf.logSumExp(logQzProb, 1), 1);
  const logQz = tf.logSumExp(tf.sum(logQzProb, 2), 1);
  return tf.mean(tf.sub(logQz, logQzProduct)) as tf.Scalar;
}

/**
 * β-TCVAE (Chen et al. 2018) in disentanglement_lib's form: recon + KL + (β − 1)·TC, i.e. only
 * the total-correlation part of the KL is weighted up.
 */
export class BetaTCVAELoss implements Loss {
  constructor(readonly p: BetaTCVAELossParams) {}

  compute(batch: Batch, out: Outputs, _ctx: StepContext): LossTerms {
    const mu = out.mu as tf.Tensor2D;
    const logvar = out.logvar as tf.Tensor2D;
    const recon = tf.mean(reconstructionNll(batch.x, out.logits, this.p.likelihood)) as tf.Scalar;
    const kl = tf.mean(klStandardNormal(mu, logvar)) as tf.Scalar;
    const tc = totalCorrelation(out.z as tf.Tensor2D, mu, logvar);
    const total = tf.add(tf.add(recon, kl), tf.mul(this.p.beta - 1, tc)) as tf.Scalar;
    return { total, terms: { recon, kl, tc } };
  }
}

export const betaTcVaeLossSpec = defineComponent<BetaTCVAELossParams, BetaTCVAELoss>({
  target: 'untangle.losses.BetaTCVAE',
  kind: 'loss',
  description: 'β-TCVAE objective (Chen et al. 2018): recon + KL + (β−1)·total correlation',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      beta: { type: 'number', minimum: 0, default: 6 },
      likelihood: { enum: ['bernoulli', 'gaussian'], default: 'bernoulli' },
    },
  },
  create: (p) => new BetaTCVAELoss(p),
});
