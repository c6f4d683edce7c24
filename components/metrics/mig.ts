import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { discreteEntropy, discreteMutualInfo, histogramDiscretize } from './discrete.ts';
import { countParam } from './params.ts';
import { generateBatchFactorCode } from './sampling.ts';
import type { FactorSource, Metric, MetricScores, RepresentationFn } from '../../framework/contracts/index.ts';

/**
 * Mutual Information Gap (Chen et al. 2018, β-TCVAE), as disentanglement_lib's `mig.py`:
 * codes of num_train points are discretised into num_bins equal-width bins per dimension, the
 * discrete MI between every code and every factor is estimated, and for each factor the gap
 * between its two most informative codes is divided by the factor's entropy; the score is the mean
 * gap. Defaults are the unsupervised study's (`mig.gin`): 10,000 points, 20 bins, batch 16.
 * Key: `discrete_mig`.
 */
export interface MigParams {
  num_train: number;
  batch_size: number;
  num_bins: number;
}

export const migSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    num_train: countParam('points sampled to estimate the mutual information', 10000),
    batch_size: countParam('factor rows drawn per sampling batch', 16),
    num_bins: countParam('equal-width bins per code dimension', 20),
  },
};

/** MIG from row-major codes (n × d) and factors (n × f). */
export function computeMig(codes: ArrayLike<number>, factors: ArrayLike<number>, n: number, d: number, f: number, numBins: number): MetricScores {
  if (d < 2) {
    throw new UntangleError('metric.too_few_codes', 'MIG needs at least two code dimensions (it is a gap between the top two)', { d });
  }
  const m = discreteMutualInfo(histogramDiscretize(codes, n, d, numBins), d, factors, f, n);
  const entropy = discreteEntropy(factors, f, n);
  let total = 0;
  for (let j = 0; j < f; j++) {
    let first = -Infinity;
    let second = -Infinity;
    for (let i = 0; i < d; i++) {
      const v = m[i * f + j];
      if (v > first) {
        second = first;
        first = v;
      } else if (v > second) second = v;
    }
    // A constant factor has zero entropy: the library divides by zero too (NaN/inf), kept as is.
    total += (first - second) / entropy[j];
  }
  return { discrete_mig: total / f };
}

export class MIG implements Metric {
  constructor(readonly params: MigParams) {}

  async compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores> {
    const s = await generateBatchFactorCode(source, represent, this.params.num_train, rng, this.params.batch_size);
    return computeMig(s.codes, s.factors, s.n, s.d, s.f, this.params.num_bins);
  }
}

export const migSpec = defineComponent<MigParams, MIG>({
  target: 'untangle.metrics.MIG',
  kind: 'metric',
  aliases: ['mig'],
  description: 'Mutual Information Gap (disentanglement_lib mig.py): discrete_mig',
  schema: migSchema,
  create: (params) => new MIG(params),
});
