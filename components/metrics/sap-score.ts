import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { LinearSvc1d } from './classifiers/linear-svc-1d.ts';
import { accuracy } from './labels.ts';
import { countParam } from './params.ts';
import { generateBatchFactorCode, type FactorCodeSample } from './sampling.ts';
import type { FactorSource, Metric, MetricScores, RepresentationFn } from '../../framework/contracts/index.ts';

/**
 * Separated Attribute Predictability (Kumar et al. 2018), as disentanglement_lib's `sap_score.py`.
 * A d × f score matrix S holds, for each code i and factor j,
 *  - discrete factors (the study's default, `continuous_factors=False`): the test accuracy of a
 *    one-feature `LinearSVC(C=0.01, class_weight="balanced")` predicting factor j from code i;
 *  - continuous factors: the squared correlation cov(z_i, y_j)² / (var z_i · var y_j) (0 when
 *    var z_i ≤ 1e-12).
 * SAP_score is the mean over factors of the gap between the two highest entries of S's column.
 * Defaults (`sap_score.gin`): 10,000 train, 5,000 test points, batch 16.
 */
export interface SapParams {
  num_train: number;
  num_test: number;
  batch_size: number;
  continuous_factors: boolean;
}

export const sapSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    num_train: countParam('points used to fit the per-code classifiers', 10000),
    num_test: countParam('points used to score them', 5000),
    batch_size: countParam('factor rows drawn per sampling batch', 16),
    continuous_factors: { type: 'boolean', default: false, description: 'treat factors as continuous (correlation) instead of discrete (linear SVM)' },
  },
};

/** The d × f score matrix (row-major). */
export function sapScoreMatrix(train: FactorCodeSample, test: FactorCodeSample, continuousFactors: boolean): Float64Array {
  const { d, f, n } = train;
  const s = new Float64Array(d * f);
  const z = new Float64Array(n);
  const y = new Float64Array(n);
  const zTest = new Float64Array(test.n);
  const yTest = new Float64Array(test.n);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < n; k++) z[k] = train.codes[k * d + i];
    for (let k = 0; k < test.n; k++) zTest[k] = test.codes[k * d + i];
    for (let j = 0; j < f; j++) {
      for (let k = 0; k < n; k++) y[k] = train.factors[k * f + j];
      if (continuousFactors) {
        s[i * f + j] = squaredCorrelation(z, y, n);
        continue;
      }
      for (let k = 0; k < test.n; k++) yTest[k] = test.factors[k * f + j];
      const svc = new LinearSvc1d(0.01).fit(z, y, n);
      s[i * f + j] = accuracy(svc.predict(zTest, test.n), yTest);
    }
  }
  return s;
}

function squaredCorrelation(z: Float64Array, y: Float64Array, n: number): number {
  let mz = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mz += z[k];
    my += y[k];
  }
  mz /= n;
  my /= n;
  let czy = 0;
  let vz = 0;
  let vy = 0;
  for (let k = 0; k < n; k++) {
    czy += (z[k] - mz) * (y[k] - my);
    vz += (z[k] - mz) ** 2;
    vy += (y[k] - my) ** 2;
  }
  czy /= n - 1;
  vz /= n - 1;
  vy /= n - 1;
  return vz > 1e-12 ? (czy * czy) / (vz * vy) : 0;
}

/** Mean over factors of (largest − second largest) score across codes. */
export function averageTopTwoGap(matrix: Float64Array, d: number, f: number): number {
  if (d < 2) throw new UntangleError('metric.too_few_codes', 'SAP needs at least two code dimensions', { d });
  let total = 0;
  for (let j = 0; j < f; j++) {
    let first = -Infinity;
    let second = -Infinity;
    for (let i = 0; i < d; i++) {
      const v = matrix[i * f + j];
      if (v > first) {
        second = first;
        first = v;
      } else if (v > second) second = v;
    }
    total += first - second;
  }
  return total / f;
}

export class SAP implements Metric {
  constructor(readonly params: SapParams) {}

  async compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores> {
    const p = this.params;
    const train = await generateBatchFactorCode(source, represent, p.num_train, rng, p.batch_size);
    const test = await generateBatchFactorCode(source, represent, p.num_test, rng, p.batch_size);
    const matrix = sapScoreMatrix(train, test, p.continuous_factors);
    return { SAP_score: averageTopTwoGap(matrix, train.d, train.f) };
  }
}

export const sapSpec = defineComponent<SapParams, SAP>({
  target: 'untangle.metrics.SAP',
  kind: 'metric',
  aliases: ['sap'],
  description: 'Separated Attribute Predictability (disentanglement_lib sap_score.py): SAP_score',
  schema: sapSchema,
  create: (params) => new SAP(params),
});
