import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { countParam } from './params.ts';
import { generateBatchFactorCode, representRows } from './sampling.ts';
import type { FactorSource, Metric, MetricScores, RepresentationFn } from '../../framework/contracts/index.ts';

/**
 * The FactorVAE score (Kim & Mnih 2018), as disentanglement_lib's `factor_vae.py`:
 *  1. global variances (ddof 1) of the codes of num_variance_estimate random points;
 *  2. active dims: those with √variance ≥ prune_threshold (the study's `prune_dims.threshold = 0.05`;
 *     note the rule is on the standard deviation);
 *  3. one vote: pick a factor k, draw batch_size rows with factor k fixed to one value, and vote for
 *     the active dim with the smallest local variance / global variance (ddof 1), i.e. variances of
 *     the codes normalised by their global std;
 *  4. a majority-vote classifier (each dim → the factor it received most votes for, first on ties)
 *     is read off num_train votes; accuracies are the fraction of votes it gets right on the train
 *     votes and on num_eval fresh votes.
 * Defaults (`factor_vae_metric.gin`): batch 64, 10,000 train, 5,000 eval, 10,000 variance points.
 * Keys: train_accuracy, eval_accuracy, num_active_dims. num_active_dims is the number of active
 * dims; the library reports `len(active_dims)` of a boolean mask, i.e. always the code width, which
 * we take for an oversight (the accuracies themselves follow the library exactly).
 */
export interface FactorVaeParams {
  batch_size: number;
  num_train: number;
  num_eval: number;
  num_variance_estimate: number;
  prune_threshold: number;
}

export const factorVaeSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    batch_size: countParam('rows per vote (all sharing one factor value); ≥ 2 for a variance', 64, 2),
    num_train: countParam('votes used to build the majority-vote classifier', 10000),
    num_eval: countParam('votes used to evaluate it', 5000),
    num_variance_estimate: countParam('points used to estimate the global variances', 10000, 2),
    prune_threshold: { type: 'number', minimum: 0, default: 0.05, description: 'dims whose global std is below this are pruned' },
  },
};

/** Votes per call to the representation function. */
const VOTES_PER_CALL = 32;

/** Variances (ddof 1) of each column of a row-major n × d slice. */
export function columnVariances(x: ArrayLike<number>, offset: number, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  const v = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[offset + i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) v[j] += (x[offset + i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) v[j] /= n - 1;
  return v;
}

/** Vote counts, row-major numFactors × numActive. */
export async function factorVaeVotes(
  source: FactorSource, represent: RepresentationFn, batchSize: number, numVotes: number, rng: Rng,
  globalVariances: Float64Array, active: Int32Array,
): Promise<Int32Array> {
  const f = source.factorSizes.length;
  const votes = new Int32Array(f * active.length);
  for (let start = 0; start < numVotes; start += VOTES_PER_CALL) {
    const m = Math.min(VOTES_PER_CALL, numVotes - start);
    const ks = new Int32Array(m);
    const rows = new Int32Array(m * batchSize * f);
    for (let p = 0; p < m; p++) {
      const k = rng.int(f);
      ks[p] = k;
      const fac = source.sampleFactors(batchSize, rng);
      for (let r = 1; r < batchSize; r++) fac[r * f + k] = fac[k];
      rows.set(fac, p * batchSize * f);
    }
    const { codes, d } = await representRows(represent, rows, m * batchSize, f);
    for (let p = 0; p < m; p++) {
      const local = columnVariances(codes, p * batchSize * d, batchSize, d);
      let best = 0;
      let bestRatio = Infinity;
      for (let a = 0; a < active.length; a++) {
        const ratio = local[active[a]] / globalVariances[active[a]];
        if (ratio < bestRatio) {
          bestRatio = ratio;
          best = a;
        }
      }
      votes[ks[p] * active.length + best]++;
    }
  }
  return votes;
}

/** Majority-vote classifier: for each active dim, the factor with most votes (first on ties). */
export function majorityClassifier(votes: Int32Array, f: number, numActive: number): Int32Array {
  const cls = new Int32Array(numActive);
  for (let a = 0; a < numActive; a++) {
    let best = 0;
    for (let k = 1; k < f; k++) if (votes[k * numActive + a] > votes[best * numActive + a]) best = k;
    cls[a] = best;
  }
  return cls;
}

export function voteAccuracy(votes: Int32Array, classifier: Int32Array, numActive: number): number {
  let hit = 0;
  let total = 0;
  for (let i = 0; i < votes.length; i++) total += votes[i];
  for (let a = 0; a < numActive; a++) hit += votes[classifier[a] * numActive + a];
  return hit / total;
}

export class FactorVAEScore implements Metric {
  constructor(readonly params: FactorVaeParams) {}

  async compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores> {
    const p = this.params;
    const f = source.factorSizes.length;
    // Uniform random points (the library's sample_observations), batched only for throughput.
    const sample = await generateBatchFactorCode(source, represent, p.num_variance_estimate, rng, 64);
    const globalVariances = columnVariances(sample.codes, 0, sample.n, sample.d);
    const active = Int32Array.from(
      Array.from(globalVariances.keys()).filter((j) => Math.sqrt(globalVariances[j]) >= p.prune_threshold),
    );
    if (active.length === 0) return { train_accuracy: 0, eval_accuracy: 0, num_active_dims: 0 };
    const trainVotes = await factorVaeVotes(source, represent, p.batch_size, p.num_train, rng, globalVariances, active);
    const classifier = majorityClassifier(trainVotes, f, active.length);
    const evalVotes = await factorVaeVotes(source, represent, p.batch_size, p.num_eval, rng, globalVariances, active);
    return {
      train_accuracy: voteAccuracy(trainVotes, classifier, active.length),
      eval_accuracy: voteAccuracy(evalVotes, classifier, active.length),
      num_active_dims: active.length,
    };
  }
}

export const factorVaeSpec = defineComponent<FactorVaeParams, FactorVAEScore>({
  target: 'untangle.metrics.FactorVAEScore',
  kind: 'metric',
  aliases: ['factorvae'],
  description: 'FactorVAE score: majority vote on the least-varying normalised code (disentanglement_lib factor_vae.py)',
  schema: factorVaeSchema,
  create: (params) => new FactorVAEScore(params),
});
