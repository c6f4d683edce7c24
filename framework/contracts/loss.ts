import type * as tf from '@tensorflow/tfjs-core';
import type { Batch } from './dataset.ts';
import type { Outputs, ParamGroup, StepContext } from './step.ts';

export interface LossTerms {
  /** What the optimiser minimises. */
  total: tf.Scalar;
  /** Every named term; each is logged as `train/<name>`. */
  terms: Record<string, tf.Scalar>;
}

/** A loss component: the model's outputs and the batch → what the optimiser minimises. */
export interface Loss {
  compute(batch: Batch, outputs: Outputs, ctx: StepContext): LossTerms;
  /** Learnable loss parameters (e.g. LDM's log-variance), optimised with the model's. */
  namedVariables?(): Map<string, tf.Variable>;
  /** Loss variables optimised apart (e.g. a discriminator), each group with its own optimiser. */
  paramGroups?(): ParamGroup[];
}
