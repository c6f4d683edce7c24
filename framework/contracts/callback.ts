import type { Rng } from '../util/rng.ts';
import type { Batch } from './dataset.ts';
import type { Model } from './model.ts';

export interface StepInfo {
  step: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
}

/** Hooks a callback component may implement; each receives the services it needs. */
export interface Callback {
  onTrainStart?(ctx: CallbackContext): void | Promise<void>;
  onStepEnd?(info: StepInfo, ctx: CallbackContext): void | Promise<void>;
  onTrainEnd?(ctx: CallbackContext): void | Promise<void>;
}

export interface CallbackContext {
  model: Model;
  /** A fixed batch for pictures, the same at every call. */
  sampleBatch: Batch;
  step: number;
  rng: Rng;
  /** Write an artifact into the run (relative path under artifacts/). */
  logArtifact(relPath: string, data: string | Uint8Array): void;
  logMetrics(metrics: Record<string, number>, step: number): void;
}
