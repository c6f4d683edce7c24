import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../trainer/contracts.ts';
import type { GroundTruthDataset } from '../../components/datasets/types.ts';
import type { Metric, MetricScores, RepresentationFn } from '../../components/metrics/types.ts';
import type { RunWriter } from '../tracking/types.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { UntangleError } from '../util/errors.ts';

/**
 * disentanglement_lib's representation function for a trained model: factors → observations →
 * the model's deterministic codes, in batches so no more than `batchSize` images are in memory.
 */
export function modelRepresentation(model: Model, data: GroundTruthDataset, batchSize: number): RepresentationFn {
  const represent = model.represent?.bind(model);
  if (!represent) {
    throw new UntangleError('no-representation', `${model.constructor.name} has no represent(): it cannot be scored by the metric suite`, {}, 'implement represent(x) → [n, d] codes on the model');
  }
  const nf = data.factorSizes.length;
  return async (factors: Int32Array, n: number) => {
    let out: Float32Array | null = null;
    let dim = 0;
    for (let start = 0; start < n; start += batchSize) {
      const m = Math.min(batchSize, n - start);
      const codes = tf.tidy(() => represent(data.observationsFromFactors(factors.subarray(start * nf, (start + m) * nf), m)));
      const arr = (await codes.data()) as Float32Array;
      dim = codes.shape[1];
      codes.dispose();
      if (!out) out = new Float32Array(n * dim);
      out.set(arr, start * dim);
    }
    return out ?? new Float32Array(0);
  };
}

export interface EvaluateInput {
  metrics: Record<string, Metric>;
  factors: { factorSizes: readonly number[]; sampleFactors: GroundTruthDataset['sampleFactors'] };
  represent: RepresentationFn;
  rootSeed: number;
  log?: (line: string) => void;
}

/** Runs each metric with its own seed (derived from the root seed and its name). */
export async function evaluateMetrics(input: EvaluateInput): Promise<Record<string, MetricScores>> {
  const results: Record<string, MetricScores> = {};
  for (const [name, metric] of Object.entries(input.metrics)) {
    const t0 = Date.now();
    results[name] = await metric.compute(input.factors, input.represent, new Rng(deriveSeed(input.rootSeed, `eval.metrics.${name}`)));
    input.log?.(`eval ${name}: ${Object.entries(results[name]).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  return results;
}

/** Logs scores as `eval/<metric>/<key>` at `step`, plus a JSON artifact per evaluation. */
export function logScores(run: RunWriter, results: Record<string, MetricScores>, step: number): void {
  const now = Date.now();
  const points = Object.entries(results).flatMap(([name, scores]) =>
    Object.entries(scores).map(([key, value]) => ({ key: `eval/${name}/${key}`, value, step, timestamp: now })));
  run.logMetrics(points);
  run.logArtifact(`eval/step-${String(step).padStart(7, '0')}.json`, `${JSON.stringify(results, null, 2)}\n`);
}
