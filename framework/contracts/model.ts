import type * as tf from '@tensorflow/tfjs-core';
import type { Batch } from './dataset.ts';
import type { Outputs, ParamGroup, Parameterised, StepContext } from './step.ts';

/** A model component: what the generic trainer optimises and the evaluator scores. */
export interface Model extends Parameterised {
  /** The training forward pass. Runs inside the trainer's gradient tape. */
  forward(batch: Batch, ctx: StepContext): Outputs;
  /**
   * Codes for the metric suite: observations `[n, ...]` in [0, 1] → `[n, d]`. Deterministic
   * (posterior means, no sampling).
   */
  represent?(x: tf.Tensor): tf.Tensor2D;
  /**
   * Pictures for the run's artifacts, by name, in [0, 1] (C = 1 or 3). A 4-D [n, h, w, c] batch is laid out in rows of the
   * logger's `max_images`; a 5-D [rows, columns, h, w, c] tensor is a grid with exactly that
   * layout (swap grids, sequences: a row per source or sequence, whatever the column count).
   */
  logImages?(batch: Batch, ctx: StepContext): Record<string, tf.Tensor4D | tf.Tensor5D>;
  /** Non-gradient updates after each optimiser step (e.g. EMA codebooks). */
  afterStep?(ctx: StepContext): void;
  /** Variables optimised apart from the rest, each group with its own optimiser (see ParamGroup). */
  paramGroups?(): ParamGroup[];
  dispose?(): void;
}
