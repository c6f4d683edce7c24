import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import type { Outputs } from '../../../framework/contracts/index.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { labelColumn } from '../../losses/sequential/cross-entropy.ts';

export interface JudgeAccuracyParams {
  n_samples: number;
}

interface Classifier { classify(x: tf.Tensor): Outputs }

function isClassifier(m: unknown): m is Classifier {
  return m !== null && typeof m === 'object' && typeof (m as Classifier).classify === 'function';
}

/**
 * The judge's own accuracy, per head (`static_<k>_acc`, `dynamic_<k>_acc`), their means and the
 * joint accuracy of all dynamic heads (`dynamic_joint_acc`: the papers' 9 Sprites "actions"), on
 * `n_samples` random sequences of the data set. The swap metrics are only as good as this
 * instrument, so a judge run reports it. For the procedural grids (Sprites: 11 664 deterministic
 * cells) this is accuracy on the data distribution the judge trained on, not on unseen looks.
 */
export class JudgeAccuracy implements ModelMetric {
  constructor(readonly p: JudgeAccuracyParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = ctx.model;
    if (!isClassifier(model)) {
      throw new UntangleError('metric.judge_accuracy', 'JudgeAccuracy needs a model with classify() (untangle.models.SequenceJudge)', {});
    }
    const n = Math.min(this.p.n_samples, ctx.dataset.size);
    const perm = ctx.rng.permutation(ctx.dataset.size).subarray(0, n);
    const hits: Record<string, number> = {};
    let rows = 0, jointHits = 0;
    for (let start = 0; start < n; start += ctx.batchSize) {
      const batch = ctx.dataset.batch(perm.subarray(start, Math.min(n, start + ctx.batchSize)));
      tf.tidy(() => {
        const out = model.classify(batch.x);
        let jointOk: tf.Tensor | null = null;
        for (const key of Object.keys(out).filter((k) => k.startsWith('logits_')).sort()) {
          const [, group, k] = key.split('_');
          const logits = out[key];
          const ok = tf.equal(tf.argMax(logits, logits.rank - 1), tf.cast(labelColumn(batch[group], Number(k)), 'int32'));
          const name = `${group}_${k}_acc`;
          hits[name] = (hits[name] ?? 0) + tf.sum(tf.cast(ok, 'float32')).dataSync()[0] / (ok.size / batch.x.shape[0]);
          if (group === 'dynamic' && ok.rank === 1) jointOk = jointOk ? tf.logicalAnd(jointOk, ok) : ok;
        }
        if (jointOk) jointHits += tf.sum(tf.cast(jointOk, 'float32')).dataSync()[0];
      });
      rows += batch.x.shape[0];
      tf.dispose(Object.values(batch));
    }
    const scores: MetricScores = {};
    for (const [k, v] of Object.entries(hits)) scores[k] = v / rows;
    for (const group of ['static', 'dynamic']) {
      const accs = Object.entries(scores).filter(([k]) => k.startsWith(`${group}_`)).map(([, v]) => v);
      if (accs.length) scores[`${group}_mean_acc`] = accs.reduce((a, b) => a + b, 0) / accs.length;
    }
    if (Object.keys(hits).some((k) => k.startsWith('dynamic_'))) scores.dynamic_joint_acc = jointHits / rows;
    return scores;
  }
}

export const judgeAccuracySpec = defineComponent<JudgeAccuracyParams, JudgeAccuracy>({
  target: 'untangle.metrics.JudgeAccuracy',
  kind: 'metric',
  description: 'A judge classifier\'s per-factor accuracy on fresh data sequences (the swap metrics\' instrument check)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { n_samples: { type: 'integer', minimum: 1, default: 512 } },
  },
  create: (p) => new JudgeAccuracy(p),
});
