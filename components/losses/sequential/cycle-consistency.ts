import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';

export interface CycleConsistencyParams {
  weight: number;
}

/**
 * The cyclic term of the seeds' DSAE variants (λ 0.1 there): the summed squared difference
 * between the model's `x_cycle` (perturb codes, decode, re-encode, un-perturb, decode) and
 * `x_cycle_target` (the plain reconstruction), per example, averaged over the batch. Needs a model
 * that outputs both (DSVAE with `cycle_noise` > 0).
 */
export class CycleConsistency implements Loss {
  constructor(readonly p: CycleConsistencyParams) {}

  compute(_batch: Batch, out: Outputs): LossTerms {
    if (!out.x_cycle || !out.x_cycle_target) {
      throw new UntangleError('loss.outputs', 'CycleConsistency needs `x_cycle` and `x_cycle_target`', { outputs: Object.keys(out) }, 'set model.params.cycle_noise > 0');
    }
    const b = out.x_cycle.shape[0];
    const cyclic = tf.mean(tf.sum(tf.reshape(tf.squaredDifference(out.x_cycle, out.x_cycle_target), [b, -1]), 1)) as tf.Scalar;
    return { total: tf.mul(this.p.weight, cyclic) as tf.Scalar, terms: { cyclic } };
  }
}

export const cycleConsistencySpec = defineComponent<CycleConsistencyParams, CycleConsistency>({
  target: 'untangle.losses.CycleConsistency',
  kind: 'loss',
  description: 'Cyclic term of the DSAE variants: decode(encode(decode(codes + u)) − u) vs decode(codes)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { weight: { type: 'number', minimum: 0, default: 0.1 } },
  },
  create: (p) => new CycleConsistency(p),
});
