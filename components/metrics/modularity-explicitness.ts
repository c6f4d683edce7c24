import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { LogisticRegression } from './classifiers/logistic-regression.ts';
import { macroOvrAuc } from './classifiers/roc-auc.ts';
import { discreteMutualInfo, histogramDiscretize } from './discrete.ts';
import { countParam } from './params.ts';
import { generateBatchFactorCode, type FactorCodeSample } from './sampling.ts';
import type { FactorSource, Metric, MetricScores, RepresentationFn } from '../../framework/contracts/index.ts';

/**
 * Modularity and explicitness (Ridgeway & Mozer 2018), as disentanglement_lib's
 * `modularity_explicitness.py`.
 *  - modularity: from the discrete MI matrix m (d × f, codes binned into num_bins), per code
 *    1 − (Σ_j m_ij² − max_j m_ij²) / (max_j m_ij² · (f − 1)), 0 for a code with no information;
 *    the score is the mean over codes.
 *  - explicitness: codes standardised with the train mean/std; per factor a default
 *    `LogisticRegression()` is fitted and scored by macro one-vs-rest ROC-AUC of its class
 *    probabilities; train/test scores are means over factors.
 * Defaults (`modularity_explicitness.gin`): 10,000 train, 5,000 test points, 20 bins, batch 16.
 * A code with zero train std is standardised to 0 (the library would pass NaNs to sklearn and fail).
 */
export interface ModularityParams {
  num_train: number;
  num_test: number;
  batch_size: number;
  num_bins: number;
}

export const modularitySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    num_train: countParam('points used for MI and to fit the explicitness classifiers', 10000),
    num_test: countParam('points used to score explicitness', 5000),
    batch_size: countParam('factor rows drawn per sampling batch', 16),
    num_bins: countParam('equal-width bins per code dimension', 20),
  },
};

/** Modularity from a d × f row-major MI matrix. */
export function modularityFromMi(mi: Float64Array, d: number, f: number): number {
  let total = 0;
  for (let i = 0; i < d; i++) {
    let sum = 0;
    let max = 0;
    for (let j = 0; j < f; j++) {
      const sq = mi[i * f + j] ** 2;
      sum += sq;
      if (sq > max) max = sq;
    }
    total += max === 0 ? 0 : 1 - (sum - max) / (max * (f - 1));
  }
  return total / d;
}

/** Standardises columns with the given mean/std (std 0 → column of zeros). Returns float64 n × d. */
export function standardize(codes: ArrayLike<number>, n: number, d: number, mean: Float64Array, std: Float64Array): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = std[j] > 0 ? (codes[i * d + j] - mean[j]) / std[j] : 0;
  }
  return out;
}

/** Column means and population std (np.std, ddof 0). */
export function columnMeanStd(x: ArrayLike<number>, n: number, d: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] += (x[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] / n);
  return { mean, std };
}

export function explicitness(train: FactorCodeSample, test: FactorCodeSample): { train: number; test: number } {
  const { d, f } = train;
  const { mean, std } = columnMeanStd(train.codes, train.n, d);
  const xTrain = standardize(train.codes, train.n, d, mean, std);
  const xTest = standardize(test.codes, test.n, d, mean, std);
  const y = new Int32Array(train.n);
  const yTest = new Int32Array(test.n);
  let sumTrain = 0;
  let sumTest = 0;
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < train.n; i++) y[i] = train.factors[i * f + j];
    for (let i = 0; i < test.n; i++) yTest[i] = test.factors[i * f + j];
    const clf = new LogisticRegression().fit(xTrain, train.n, d, y);
    sumTrain += macroOvrAuc(clf.predictProba(xTrain, train.n), train.n, clf.classes, y);
    sumTest += macroOvrAuc(clf.predictProba(xTest, test.n), test.n, clf.classes, yTest);
  }
  return { train: sumTrain / f, test: sumTest / f };
}

export class Modularity implements Metric {
  constructor(readonly params: ModularityParams) {}

  async compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores> {
    const p = this.params;
    const train = await generateBatchFactorCode(source, represent, p.num_train, rng, p.batch_size);
    const test = await generateBatchFactorCode(source, represent, p.num_test, rng, p.batch_size);
    const mi = discreteMutualInfo(histogramDiscretize(train.codes, train.n, train.d, p.num_bins), train.d, train.factors, train.f, train.n);
    const expl = explicitness(train, test);
    return {
      modularity_score: modularityFromMi(mi, train.d, train.f),
      explicitness_score_train: expl.train,
      explicitness_score_test: expl.test,
    };
  }
}

export const modularitySpec = defineComponent<ModularityParams, Modularity>({
  target: 'untangle.metrics.Modularity',
  kind: 'metric',
  aliases: ['modularity'],
  description: 'Modularity and explicitness (disentanglement_lib modularity_explicitness.py)',
  schema: modularitySchema,
  create: (params) => new Modularity(params),
});
