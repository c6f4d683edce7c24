import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';

export interface StaticConsistencyParams {
  weight: number;
  margin: number;
}

/**
 * Static consistency (SCC, the DSAE variants / S3VAE): the static code of a frame-shuffled copy of
 * a sequence must stay close to the original's and farther from another sequence's, as a triplet
 *   max(0, ‖f − f_shuffled‖² − ‖f − f_other‖² + margin),
 * f_other being the next sequence of the batch. (The seeds' port used another batch sample as the
 * *positive*; here the positive is the same sequence shuffled, as the method intends.)
 * Weight 100 and margin 1 as in the seeds. Needs the model's `f_mu` and `f_shuffled_mu`
 * (DSVAE with `shuffled_static: true`).
 */
export class StaticConsistency implements Loss {
  constructor(readonly p: StaticConsistencyParams) {}

  compute(_batch: Batch, out: Outputs): LossTerms {
    if (!out.f_shuffled_mu) {
      throw new UntangleError('loss.outputs', 'StaticConsistency needs `f_shuffled_mu`', { outputs: Object.keys(out) }, 'set model.params.shuffled_static: true');
    }
    const f = out.f_mu;
    const b = f.shape[0];
    const other = tf.concat([tf.slice(f, [1, 0], [b - 1, -1]), tf.slice(f, [0, 0], [1, -1])], 0);
    const pos = tf.sum(tf.squaredDifference(f, out.f_shuffled_mu), 1);
    const neg = tf.sum(tf.squaredDifference(f, other), 1);
    const scc = tf.mean(tf.relu(tf.add(tf.sub(pos, neg), this.p.margin))) as tf.Scalar;
    return { total: tf.mul(this.p.weight, scc) as tf.Scalar, terms: { scc } };
  }
}

export const staticConsistencySpec = defineComponent<StaticConsistencyParams, StaticConsistency>({
  target: 'untangle.losses.StaticConsistency',
  kind: 'loss',
  description: 'Static-consistency triplet term (shuffled-frame positive, other-sequence negative)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      weight: { type: 'number', minimum: 0, default: 100 },
      margin: { type: 'number', minimum: 0, default: 1 },
    },
  },
  create: (p) => new StaticConsistency(p),
});
