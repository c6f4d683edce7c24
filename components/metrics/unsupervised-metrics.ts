import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { discreteMutualInfo, histogramDiscretize } from './discrete.ts';
import { covariance, symmetricEigenvalues } from './linalg.ts';
import { countParam } from './params.ts';
import { generateBatchFactorCode } from './sampling.ts';
import type { FactorSource, Metric, MetricScores, RepresentationFn } from '../../framework/contracts/index.ts';

/**
 * Unsupervised scores of disentanglement_lib's `unsupervised_metrics.py`, from the sample
 * covariance Σ (ddof 1) of num_train codes:
 *  - gaussian_total_correlation: KL(N(0,Σ) ‖ N(0,diag Σ)) = ½(Σ_i log Σ_ii − log det Σ);
 *  - gaussian_wasserstein_correlation: 2 tr Σ − 2 tr sqrtm(Σ · diag(Σ) row-scaled), computed as
 *    Σ √λ over the eigenvalues of the symmetric similar matrix D^½ Σ D^½, D = diag Σ;
 *  - gaussian_wasserstein_correlation_norm: the above divided by tr Σ;
 *  - mutual_info_score: mean discrete MI between distinct pairs of binned codes (num_bins bins).
 * Defaults (`unsupervised.gin`): 10,000 points, 20 bins, batch 16.
 */
export interface UnsupervisedParams {
  num_train: number;
  batch_size: number;
  num_bins: number;
}

export const unsupervisedSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    num_train: countParam('points used to estimate the covariance and MI', 10000),
    batch_size: countParam('factor rows drawn per sampling batch', 16),
    num_bins: countParam('equal-width bins per code dimension', 20),
  },
};

export function gaussianTotalCorrelation(cov: Float64Array, d: number): number {
  let logDiag = 0;
  for (let i = 0; i < d; i++) logDiag += Math.log(cov[i * d + i]);
  let logDet = 0;
  // A singular Σ has log det −∞ (slogdet's answer), so the total correlation is +∞.
  for (const ev of symmetricEigenvalues(cov, d)) logDet += ev > 0 ? Math.log(ev) : -Infinity;
  return 0.5 * (logDiag - logDet);
}

export function gaussianWassersteinCorrelation(cov: Float64Array, d: number): number {
  const scaled = new Float64Array(d * d);
  let trace = 0;
  for (let a = 0; a < d; a++) {
    trace += cov[a * d + a];
    for (let b = 0; b < d; b++) scaled[a * d + b] = Math.sqrt(cov[a * d + a]) * cov[a * d + b] * Math.sqrt(cov[b * d + b]);
  }
  let traceSqrt = 0;
  for (const ev of symmetricEigenvalues(scaled, d)) traceSqrt += Math.sqrt(Math.max(ev, 0));
  return 2 * trace - 2 * traceSqrt;
}

export function computeUnsupervised(codes: ArrayLike<number>, n: number, d: number, numBins: number): MetricScores {
  const cov = covariance(codes, n, d);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += cov[i * d + i];
  const wasserstein = gaussianWassersteinCorrelation(cov, d);
  const binned = histogramDiscretize(codes, n, d, numBins);
  const mi = discreteMutualInfo(binned, d, binned, d, n);
  let offDiagonal = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) if (a !== b) offDiagonal += mi[a * d + b];
  return {
    gaussian_total_correlation: gaussianTotalCorrelation(cov, d),
    gaussian_wasserstein_correlation: wasserstein,
    gaussian_wasserstein_correlation_norm: wasserstein / trace,
    mutual_info_score: offDiagonal / (d * d - d),
  };
}

export class Unsupervised implements Metric {
  constructor(readonly params: UnsupervisedParams) {}

  async compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores> {
    const p = this.params;
    const s = await generateBatchFactorCode(source, represent, p.num_train, rng, p.batch_size);
    return computeUnsupervised(s.codes, s.n, s.d, p.num_bins);
  }
}

export const unsupervisedSpec = defineComponent<UnsupervisedParams, Unsupervised>({
  target: 'untangle.metrics.Unsupervised',
  kind: 'metric',
  aliases: ['unsupervised'],
  description: 'Gaussian total/Wasserstein correlation and mean pairwise MI of codes (disentanglement_lib unsupervised_metrics.py)',
  schema: unsupervisedSchema,
  create: (params) => new Unsupervised(params),
});
