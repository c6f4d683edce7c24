import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { gaussianLogDensity } from '../gaussian.ts';

export interface MiPenaltyParams {
  weight: number;
  /** N of the minibatch-weighted sampling estimator (the seeds hard-coded 6680, the LPC train size). */
  dataset_size: number;
}

/**
 * log q(c_i) by minibatch-weighted sampling (Chen et al. 2018): logsumexp_j log q(c_i | x_j) − log(N·M),
 * with log q(c_i | x_j) summed over every code dimension. `codes` `[M, d]`, `mu`/`logvar` `[M, d]`.
 */
export function mwsLogDensity(pairwise: tf.Tensor2D, datasetSize: number): tf.Tensor1D {
  const m = pairwise.shape[0];
  return tf.sub(tf.logSumExp(pairwise, 1), Math.log(datasetSize * m)) as tf.Tensor1D;
}

/** log q(c_i | x_j) summed over dims: `[M, M]` (row i = sample, column j = posterior). */
export function pairwiseLogDensity(codes: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor): tf.Tensor2D {
  const m = codes.shape[0];
  const c = tf.reshape(codes, [m, 1, -1]);
  const mm = tf.reshape(mu, [1, m, -1]);
  const lv = tf.reshape(logvar, [1, m, -1]);
  return tf.sum(gaussianLogDensity(c, mm, lv), 2) as tf.Tensor2D;
}

/**
 * The mutual information between the static code f and the whole dynamic code z_1:T
 * (Zhu et al. 2020 / the DSAE variants), by minibatch-weighted sampling:
 *   I(f; z) ≈ mean_i [log q(f_i, z_i) − log q(f_i) − log q(z_i)],
 * penalised with `weight` (10 in the seeds). Needs the model outputs `f, f_mu, f_logvar, z, z_mu, z_logvar`.
 */
export class MIPenalty implements Loss {
  constructor(readonly p: MiPenaltyParams) {}

  compute(_batch: Batch, out: Outputs): LossTerms {
    const lf = pairwiseLogDensity(out.f, out.f_mu, out.f_logvar);
    const lz = pairwiseLogDensity(out.z, out.z_mu, out.z_logvar);
    const logQf = mwsLogDensity(lf, this.p.dataset_size);
    const logQz = mwsLogDensity(lz, this.p.dataset_size);
    const logQfz = mwsLogDensity(tf.add(lf, lz) as tf.Tensor2D, this.p.dataset_size);
    const mi = tf.mean(tf.sub(logQfz, tf.add(logQf, logQz))) as tf.Scalar;
    return { total: tf.mul(this.p.weight, mi) as tf.Scalar, terms: { mi } };
  }
}

export const miPenaltySpec = defineComponent<MiPenaltyParams, MIPenalty>({
  target: 'untangle.losses.MIPenalty',
  kind: 'loss',
  description: 'Mutual-information penalty I(f; z) by minibatch-weighted sampling (an extra term of SequentialELBO)',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['dataset_size'],
    properties: {
      weight: { type: 'number', minimum: 0, default: 10 },
      dataset_size: { type: 'integer', minimum: 1 },
    },
  },
  create: (p) => new MIPenalty(p),
});
