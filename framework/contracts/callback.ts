import type { Rng } from '../util/rng.ts';
import type { Batch } from './dataset.ts';
import type { Model } from './model.ts';

export interface StepInfo {
  step: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
}

/**
 * Hooks a callback component may implement. A callback that writes into the run takes the run's
 * TRACKER when it is built (ctx.resolve); the hooks carry what changes from call to call.
 */
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
}
