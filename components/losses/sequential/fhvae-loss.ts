import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { klDiagGaussians, sumPerExample } from './kl.ts';
import { sequenceNll } from './likelihood.ts';

export interface FhvaeLossParams {
  /** α of the discriminative objective (10 in the seeds and in Hsu et al.). */
  alpha: number;
  /** Segments per training sequence dividing log p(μ2); null → the model's segments per batch sequence. */
  segments_per_sequence: number | null;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log q(i | z2) = log softmax_j(−½‖z2 − μ2_j‖²)[i] over the whole μ2 table (Hsu et al.'s
 * sequence-index classifier), per segment `[N]`.
 */
export function logQSequence(z2: tf.Tensor2D, table: tf.Tensor2D, seq: tf.Tensor1D): tf.Tensor1D {
  const diff = tf.sub(tf.expandDims(z2, 1), tf.expandDims(table, 0));
  const logits = tf.mul(-0.5, tf.sum(tf.square(diff), 2)) as tf.Tensor2D;
  const logp = tf.logSoftmax(logits, 1);
  const onehot = tf.oneHot(tf.cast(seq, 'int32') as tf.Tensor1D, table.shape[0]);
  return tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
}

/**
 * The FHVAE discriminative segment variational lower bound (Hsu et al. 2017, eq. 7), minimised as
 *   −[log p(x|z1,z2) − KL(q(z1)‖N(0,I)) − KL(q(z2)‖N(μ2_i, 0.5²I)) + log p(μ2_i)/n_i] − α·log q(i|z2),
 * averaged over segments. The discriminative term enters with a MINUS so that minimising the loss
 * maximises log q(i | z2) (the seeds' port added +α·(−log q) to the bound before negating, which
 * maximised the classifier's loss instead). The decoder mean is not detached.
 */
export class FHVAELoss implements Loss {
  constructor(readonly p: FhvaeLossParams) {}

  compute(_batch: Batch, out: Outputs): LossTerms {
    const recon = tf.mean(sequenceNll(out.x_target, out.x_hat, 'gaussian', out.x_logvar)) as tf.Scalar;
    const klZ1 = tf.mean(sumPerExample(klDiagGaussians(out.z1_mu, out.z1_logvar, tf.zerosLike(out.z1_mu), tf.zerosLike(out.z1_logvar)))) as tf.Scalar;
    const klZ2 = tf.mean(sumPerExample(klDiagGaussians(out.z2_mu, out.z2_logvar, out.z2_prior_mu, out.z2_prior_logvar))) as tf.Scalar;
    const mu2 = out.z2_prior_mu;
    const logPMu2 = tf.mean(tf.mul(-0.5, tf.sum(tf.add(tf.square(mu2), LOG_2PI), 1))) as tf.Scalar;
    const n = this.p.segments_per_sequence ?? (out.segments ? out.segments.dataSync()[0] : 1);
    const logQi = tf.mean(logQSequence(out.z2 as tf.Tensor2D, out.mu2_table as tf.Tensor2D, out.seq as tf.Tensor1D)) as tf.Scalar;
    const bound = tf.sub(tf.sub(tf.sub(tf.neg(recon), klZ1), klZ2), tf.neg(tf.div(logPMu2, n)));
    const discriminative = tf.mul(-this.p.alpha, logQi) as tf.Scalar;
    const total = tf.add(tf.neg(bound), discriminative) as tf.Scalar;
    return { total, terms: { recon, kl_z1: klZ1, kl_z2: klZ2, log_p_mu2: logPMu2, log_qi: logQi, discriminative, elbo: bound as tf.Scalar } };
  }
}

export const fhvaeLossSpec = defineComponent<FhvaeLossParams, FHVAELoss>({
  target: 'untangle.losses.FHVAE',
  kind: 'loss',
  description: 'FHVAE discriminative segment lower bound: ELBO with N(μ2, 0.5²) z2 prior, log p(μ2), −α·log q(i|z2)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      alpha: { type: 'number', minimum: 0, default: 10 },
      segments_per_sequence: { type: ['number', 'null'], exclusiveMinimum: 0, default: null },
    },
  },
  create: (p) => new FHVAELoss(p),
});
