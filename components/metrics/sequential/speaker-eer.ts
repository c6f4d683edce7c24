import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { isStaticDynamicModel } from '../../models/sequential/types.ts';
import { equalErrorRate, pairTrials } from './eer.ts';

export interface SpeakerEerParams {
  n_samples: number;
}

/**
 * Speaker verification with a model's codes (FHVAE, DSVAE on audio): every pair of `n_samples`
 * utterances is a trial (target when `static[:, 0]`, the speaker, matches), scored by the cosine
 * similarity of the two utterances' codes. `eer_static` uses the static code (low is good: it
 * carries the speaker), `eer_dynamic` the time-mean of the dynamic codes (high is good: the
 * content codes should not identify the speaker). Cf. the seeds' GE2E-style compute_eer.
 */
export class SpeakerEER implements ModelMetric {
  constructor(readonly p: SpeakerEerParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = ctx.model;
    if (!isStaticDynamicModel(model)) {
      throw new UntangleError('eer.model', `${model.constructor.name} has no static/dynamic split to verify speakers with`, {}, 'use a model such as FHVAE or DSVAE');
    }
    const n = Math.min(this.p.n_samples, ctx.dataset.size);
    const idx = ctx.rng.permutation(ctx.dataset.size).subarray(0, n);
    const stat: Float32Array[] = [], dyn: Float32Array[] = [], spk: Int32Array[] = [];
    for (let s = 0; s < n; s += ctx.batchSize) {
      const batch = ctx.dataset.batch(idx.subarray(s, Math.min(n, s + ctx.batchSize)));
      tf.tidy(() => {
        const { static: f, dynamic: z } = model.encodeParts(batch.x);
        stat.push(f.dataSync() as Float32Array);
        dyn.push(tf.mean(z, 1).dataSync() as Float32Array);
        spk.push(tf.slice(batch.static, [0, 0], [-1, 1]).dataSync() as Int32Array);
      });
      tf.dispose(Object.values(batch));
    }
    const flat = (a: Float32Array[]) => Float32Array.from(a.flatMap((v) => Array.from(v)));
    const labels = Int32Array.from(spk.flatMap((v) => Array.from(v)));
    const s = pairTrials(flat(stat), model.staticDim, labels);
    const d = pairTrials(flat(dyn), model.dynamicDim, labels);
    return { eer_static: equalErrorRate(s.targets, s.nonTargets), eer_dynamic: equalErrorRate(d.targets, d.nonTargets), trials: s.targets.length + s.nonTargets.length };
  }
}

export const speakerEerSpec = defineComponent<SpeakerEerParams, SpeakerEER>({
  target: 'untangle.metrics.SpeakerEER',
  kind: 'metric',
  description: 'Speaker-verification EER (cosine of codes, exact ROC) on static vs dynamic codes',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { n_samples: { type: 'integer', minimum: 4, default: 400 } },
  },
  create: (p) => new SpeakerEER(p),
});
