/**
 * The contracts every component implements. Components import these; the framework (trainer,
 * evaluator, audit) speaks only these, and never imports a component.
 */
export type { StepContext, ParamGroup, Parameterised, Outputs } from './step.ts';
export type { Batch, DatasetFingerprint, Dataset, GroundTruthDataset } from './dataset.ts';
export { isGroundTruthDataset } from './dataset.ts';
export type { Model } from './model.ts';
export type { Loss, LossTerms } from './loss.ts';
export type { Optimizer, Schedule } from './optimizer.ts';
export type { Callback, CallbackContext, StepInfo } from './callback.ts';
export type { FactorSource, RepresentationFn, MetricScores, Metric, ModelMetricContext, ModelMetric } from './metric.ts';
export { isModelMetric } from './metric.ts';
export type { EpsFn, DiffusionSchedule, Sampler } from './sampler.ts';
export { isSampler } from './sampler.ts';
export type { SigmaDenoiser, SigmaSampler } from './sigma-sampler.ts';
export type { RunTracker, BackendInfo, DatasetCache } from './services.ts';
export { TRACKER, BACKEND, DATASET_CACHE } from './tokens.ts';
