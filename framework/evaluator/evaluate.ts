import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../contracts/index.ts';
import type { Dataset, GroundTruthDataset } from '../contracts/index.ts';
import { isGroundTruthDataset } from '../contracts/index.ts';
import type { Metric, MetricScores, ModelMetric, RepresentationFn } from '../contracts/index.ts';
import { isModelMetric } from '../contracts/index.ts';
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
  metrics: Record<string, Metric | ModelMetric>;
  model: Model;
  dataset: Dataset;
  batchSize: number;
  rootSeed: number;
  log?: (line: string) => void;
}

/**
 * Runs each metric with its own seed (derived from the root seed and its name). Ground-truth
 * metrics get disentanglement_lib's (factors, representation function); model metrics get the
 * model and data set.
 */
export async function evaluateMetrics(input: EvaluateInput): Promise<Record<string, MetricScores>> {
  const results: Record<string, MetricScores> = {};
  let represent: RepresentationFn | null = null;
  for (const [name, metric] of Object.entries(input.metrics)) {
    const t0 = Date.now();
    const rng = new Rng(deriveSeed(input.rootSeed, `eval.metrics.${name}`));
    if (isModelMetric(metric)) {
      results[name] = await metric.evaluate({ model: input.model, dataset: input.dataset, rng, batchSize: input.batchSize });
    } else {
      const data = input.dataset;
      if (!isGroundTruthDataset(data)) {
        throw new UntangleError('eval-not-ground-truth', `metric '${name}' needs a ground-truth data set (factors)`, { dataset: data.fingerprint().name }, 'set eval.dataset to a ground-truth data set');
      }
      represent ??= modelRepresentation(input.model, data, input.batchSize);
      results[name] = await metric.compute(data, represent, rng);
    }
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
