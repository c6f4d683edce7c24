import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';

/** Mean softmax cross-entropy of logits `[..., C]` against integer labels `[...]`. */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const c = logits.shape[logits.rank - 1];
  const flat = tf.reshape(logits, [-1, c]);
  const y = tf.oneHot(tf.reshape(tf.cast(labels, 'int32'), [-1]) as tf.Tensor1D, c);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(flat, 1), y), 1))) as tf.Scalar;
}

/** Column k of labels `[B, D]` or `[B, T, D]` → `[B]` or `[B, T]`. */
export function labelColumn(labels: tf.Tensor, k: number): tf.Tensor {
  const begin = new Array<number>(labels.rank).fill(0);
  begin[labels.rank - 1] = k;
  const size = labels.shape.map((s, i) => (i === labels.rank - 1 ? 1 : s));
  return tf.squeeze(tf.slice(labels, begin, size), [labels.rank - 1]);
}

/**
 * Sum of the cross-entropies of every `logits_<group>_<k>` output against column k of
 * `batch.<group>` (group = static | dynamic), the judge's training loss. Terms `ce_<group>_<k>` and
 * `acc_<group>_<k>` (accuracy, logged only).
 */
export class CrossEntropy implements Loss {
  compute(batch: Batch, out: Outputs): LossTerms {
    const terms: Record<string, tf.Scalar> = {};
    let total: tf.Scalar = tf.scalar(0);
    for (const key of Object.keys(out).filter((k) => k.startsWith('logits_')).sort()) {
      const [, group, k] = key.split('_');
      const labels = labelColumn(batch[group], Number(k));
      const ce = softmaxCrossEntropy(out[key], labels);
      terms[`ce_${group}_${k}`] = ce;
      const pred = tf.argMax(out[key], out[key].rank - 1);
      terms[`acc_${group}_${k}`] = tf.mean(tf.cast(tf.equal(pred, tf.cast(labels, 'int32')), 'float32')) as tf.Scalar;
      total = tf.add(total, ce);
    }
    return { total, terms };
  }
}

export const crossEntropySpec = defineComponent<Record<string, never>, CrossEntropy>({
  target: 'untangle.losses.CrossEntropy',
  kind: 'loss',
  description: 'Summed softmax cross-entropy of a judge\'s logits_<static|dynamic>_<k> against the batch labels',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => new CrossEntropy(),
});
