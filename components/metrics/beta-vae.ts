import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { LogisticRegression } from './classifiers/logistic-regression.ts';
import { accuracy } from './labels.ts';
import { countParam } from './params.ts';
import { representRows } from './sampling.ts';
import type { FactorSource, Metric, MetricScores, RepresentationFn } from '../../framework/contracts/index.ts';

/**
 * The β-VAE score (Higgins et al. 2017), as disentanglement_lib's `beta_vae.py`
 * (`compute_beta_vae_sklearn`). One training point: pick a factor k uniformly, draw two batches of
 * batch_size factor rows, copy factor k of the first batch into the second, and take the mean
 * absolute difference of their codes; the label is k. A default sklearn `LogisticRegression()`
 * is fitted on num_train points and scored on num_eval fresh points.
 * Defaults (`beta_vae_sklearn.gin`): batch 64, 10,000 train, 5,000 eval. Keys: train_accuracy, eval_accuracy.
 */
export interface BetaVaeParams {
  batch_size: number;
  num_train: number;
  num_eval: number;
}

export const betaVaeSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    batch_size: countParam('pairs averaged into one training point', 64),
    num_train: countParam('training points for the classifier', 10000),
    num_eval: countParam('evaluation points', 5000),
  },
};

/** Points (grouped so that one representation call covers many of them). */
const POINTS_PER_CALL = 32;

/** num_points features (row-major num_points × d) and labels, drawn as the library does. */
export async function betaVaeTrainingBatch(
  source: FactorSource, represent: RepresentationFn, batchSize: number, numPoints: number, rng: Rng,
): Promise<{ points: Float64Array; labels: Int32Array; d: number }> {
  const f = source.factorSizes.length;
  const labels = new Int32Array(numPoints);
  let points = new Float64Array(0);
  let d = 0;
  for (let start = 0; start < numPoints; start += POINTS_PER_CALL) {
    const m = Math.min(POINTS_PER_CALL, numPoints - start);
    // Rows: for point p, batch 1 at [2p·B, 2p·B + B), batch 2 right after it.
    const rows = new Int32Array(2 * m * batchSize * f);
    for (let p = 0; p < m; p++) {
      const k = rng.int(f);
      labels[start + p] = k;
      const a = source.sampleFactors(batchSize, rng);
      const b = source.sampleFactors(batchSize, rng);
      for (let r = 0; r < batchSize; r++) b[r * f + k] = a[r * f + k];
      rows.set(a, 2 * p * batchSize * f);
      rows.set(b, (2 * p + 1) * batchSize * f);
    }
    const out = await representRows(represent, rows, 2 * m * batchSize, f);
    if (d === 0) {
      d = out.d;
      points = new Float64Array(numPoints * d);
    }
    for (let p = 0; p < m; p++) {
      const o1 = 2 * p * batchSize * d;
      const o2 = o1 + batchSize * d;
      const dst = (start + p) * d;
      for (let r = 0; r < batchSize; r++) {
        for (let j = 0; j < d; j++) points[dst + j] += Math.abs(out.codes[o1 + r * d + j] - out.codes[o2 + r * d + j]);
      }
      for (let j = 0; j < d; j++) points[dst + j] /= batchSize;
    }
  }
  return { points, labels, d };
}

export class BetaVAEScore implements Metric {
  constructor(readonly params: BetaVaeParams) {}

  async compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores> {
    const p = this.params;
    const train = await betaVaeTrainingBatch(source, represent, p.batch_size, p.num_train, rng);
    const model = new LogisticRegression().fit(train.points, p.num_train, train.d, train.labels);
    const trainAccuracy = accuracy(model.predict(train.points, p.num_train), train.labels);
    const evalSet = await betaVaeTrainingBatch(source, represent, p.batch_size, p.num_eval, rng);
    const evalAccuracy = accuracy(model.predict(evalSet.points, p.num_eval), evalSet.labels);
    return { train_accuracy: trainAccuracy, eval_accuracy: evalAccuracy };
  }
}

export const betaVaeSpec = defineComponent<BetaVaeParams, BetaVAEScore>({
  target: 'untangle.metrics.BetaVAEScore',
  kind: 'metric',
  aliases: ['betavae'],
  description: 'β-VAE score: logistic regression on mean |Δcode| (disentanglement_lib beta_vae.py)',
  schema: betaVaeSchema,
  create: (params) => new BetaVAEScore(params),
});
