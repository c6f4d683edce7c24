import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { GradientBoostingClassifier } from './gbt/gradient-boosting.ts';
import { accuracy } from './labels.ts';
import { countParam } from './params.ts';
import { generateBatchFactorCode, type FactorCodeSample } from './sampling.ts';
import type { FactorSource, Metric, MetricScores, RepresentationFn } from '../../framework/contracts/index.ts';

/**
 * Disentanglement, Completeness and Informativeness (Eastwood & Williams 2018), as
 * disentanglement_lib's `dci.py`: one gradient-boosted classifier per factor (sklearn
 * `GradientBoostingClassifier()` defaults, here `gbt/`) predicts the factor from all codes; its
 * impurity importances form column j of the d × f importance matrix R. Then
 *  - disentanglement = Σ_i ρ_i (1 − H_f(R_i·)), ρ_i = Σ_j R_ij / Σ R, entropy base f over factors;
 *  - completeness = Σ_j ρ_j (1 − H_d(R_·j)), entropy base d over codes;
 *  - informativeness_train / _test = mean prediction accuracy over factors.
 * Entropies add 1e-11 to every entry first, as the library does. Defaults (`dci.gin`): 10,000 train,
 * 5,000 test points, batch 16.
 */
export interface DciParams {
  num_train: number;
  num_test: number;
  batch_size: number;
}

export const dciSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    num_train: countParam('points used to fit the boosted trees', 10000),
    num_test: countParam('points used to measure test accuracy', 5000),
    batch_size: countParam('factor rows drawn per sampling batch', 16),
  },
};

/** Normalised entropy 1 − H(p + 1e-11) / log(base) of one row/column of R (scipy.stats.entropy). */
function oneMinusEntropy(values: Float64Array, base: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] + 1e-11;
  let h = 0;
  for (let i = 0; i < values.length; i++) {
    const p = (values[i] + 1e-11) / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return 1 - h / Math.log(base);
}

/** Disentanglement from a d × f row-major importance matrix. */
export function disentanglementScore(r: Float64Array, d: number, f: number): number {
  const total = sumAll(r);
  let score = 0;
  for (let i = 0; i < d; i++) {
    const row = r.slice(i * f, (i + 1) * f);
    const weight = total === 0 ? 1 / d : sumAll(row) / total;
    score += oneMinusEntropy(row, f) * weight;
  }
  return score;
}

/** Completeness from a d × f row-major importance matrix. */
export function completenessScore(r: Float64Array, d: number, f: number): number {
  const total = sumAll(r);
  let score = 0;
  const col = new Float64Array(d);
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < d; i++) col[i] = r[i * f + j];
    const weight = total === 0 ? 1 / f : sumAll(col) / total;
    score += oneMinusEntropy(col, d) * weight;
  }
  return score;
}

function sumAll(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Fits one boosted classifier per factor; returns R (d × f) and mean train/test accuracies. */
export function importanceGbt(train: FactorCodeSample, test: FactorCodeSample, rng: Rng): {
  importance: Float64Array; trainAccuracy: number; testAccuracy: number;
} {
  const { d, f } = train;
  const importance = new Float64Array(d * f);
  let trainAcc = 0;
  let testAcc = 0;
  const y = new Int32Array(train.n);
  const yTest = new Int32Array(test.n);
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < train.n; i++) y[i] = train.factors[i * f + j];
    for (let i = 0; i < test.n; i++) yTest[i] = test.factors[i * f + j];
    const model = new GradientBoostingClassifier({}, rng.fork()).fit(train.codes, train.n, d, y);
    const imp = model.featureImportances();
    for (let i = 0; i < d; i++) importance[i * f + j] = Math.abs(imp[i]);
    trainAcc += accuracy(model.predict(train.codes, train.n), y);
    testAcc += accuracy(model.predict(test.codes, test.n), yTest);
  }
  return { importance, trainAccuracy: trainAcc / f, testAccuracy: testAcc / f };
}

export function computeDci(train: FactorCodeSample, test: FactorCodeSample, rng: Rng): MetricScores {
  const { importance, trainAccuracy, testAccuracy } = importanceGbt(train, test, rng);
  return {
    informativeness_train: trainAccuracy,
    informativeness_test: testAccuracy,
    disentanglement: disentanglementScore(importance, train.d, train.f),
    completeness: completenessScore(importance, train.d, train.f),
  };
}

export class DCI implements Metric {
  constructor(readonly params: DciParams) {}

  async compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores> {
    const p = this.params;
    const train = await generateBatchFactorCode(source, represent, p.num_train, rng, p.batch_size);
    const test = await generateBatchFactorCode(source, represent, p.num_test, rng, p.batch_size);
    return computeDci(train, test, rng);
  }
}

export const dciSpec = defineComponent<DciParams, DCI>({
  target: 'untangle.metrics.DCI',
  kind: 'metric',
  aliases: ['dci'],
  description: 'DCI disentanglement/completeness/informativeness with boosted trees (disentanglement_lib dci.py)',
  schema: dciSchema,
  create: (params) => new DCI(params),
});
