import type { Rng } from '../util/rng.ts';
import type { Dataset } from './dataset.ts';
import type { Model } from './model.ts';

/** The factor side of a ground-truth data set: all a metric needs to draw factor rows. */
export interface FactorSource {
  readonly factorSizes: readonly number[];
  /** n factor rows, row-major (n × numFactors). */
  sampleFactors(n: number, rng: Rng): Int32Array;
}

/**
 * The representation function of disentanglement_lib, lifted to factors: maps n factor rows to n
 * codes (row-major n × d float32). For a trained model it is encoder ∘ observationsFromFactors;
 * for `untangle score` it looks rows of codes.npy up by grid index.
 */
export type RepresentationFn = (factors: Int32Array, n: number) => Promise<Float32Array>;

/** Scores keyed as disentanglement_lib keys them, e.g. `{ discrete_mig: 0.31 }`. */
export type MetricScores = Record<string, number>;

/** A metric component. Every metric takes an explicit seed through `rng`. */
export interface Metric {
  compute(source: FactorSource, represent: RepresentationFn, rng: Rng): Promise<MetricScores>;
}

/**
 * What a model-level metric sees: the trained model itself and its data, for evaluations that
 * are not a function of factor → code (swap accuracy with a judge, speaker EER, sample quality).
 * A metric that writes pictures takes the run's TRACKER when it is built (ctx.resolve).
 */
export interface ModelMetricContext {
  model: Model;
  dataset: Dataset;
  rng: Rng;
  batchSize: number;
}

/** A metric computed from the model and data set directly (it does not need factors). */
export interface ModelMetric {
  evaluate(ctx: ModelMetricContext): Promise<MetricScores>;
}

export function isModelMetric(m: unknown): m is ModelMetric {
  return m !== null && typeof m === 'object' && typeof (m as ModelMetric).evaluate === 'function';
}
