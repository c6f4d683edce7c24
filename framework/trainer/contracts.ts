import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.ts';
import type { Batch } from '../../components/datasets/types.ts';

/**
 * The contracts between the generic trainer and the components a paper's config names. A paper
 * implements these; it never sees the trainer's loop, checkpoints or tracking.
 */

export interface StepContext {
  /** Global optimisation step (0-based; the step being computed). */
  step: number;
  training: boolean;
  /** Per-step randomness (noise, timesteps, dropout masks). Drawn in JS so backends agree. */
  rng: Rng;
  /**
   * The parameter group this forward pass optimises: 'main' (the default group), or the name of a
   * group a component declared (`paramGroups`), as Lightning's optimizer_idx. Absent outside training.
   */
  group?: string;
}

/**
 * A set of variables with its own optimiser (e.g. a GAN discriminator beside its generator). A
 * model or loss declares it; the config gives its optimiser as `trainer.optimizers.<name>`. Each
 * step the trainer runs forward + loss once for the main group and once for every active declared
 * group, with `ctx.group` set, differentiating only that group's variables (which the main group
 * then excludes). Its optimiser state is checkpointed as `optimizer.<name>`.
 */
export interface ParamGroup {
  /** A name other than 'main'. */
  readonly name: string;
  variables(): tf.Variable[];
  /** Whether the group is updated at `step` (default: every step). */
  activeAt?(step: number): boolean;
}

/** Anything that owns tfjs variables under stable names (checkpoint keys). */
export interface Parameterised {
  /** Every variable, trainable or not, under a stable dotted name. */
  namedVariables(): Map<string, tf.Variable>;
  /** The variables the optimiser updates (frozen sub-modules excluded). */
  trainableVariables(): tf.Variable[];
}

export type Outputs = Record<string, tf.Tensor>;

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

export interface LossTerms {
  /** What the optimiser minimises. */
  total: tf.Scalar;
  /** Every named term; each is logged as `train/<name>`. */
  terms: Record<string, tf.Scalar>;
}

export interface Loss {
  compute(batch: Batch, outputs: Outputs, ctx: StepContext): LossTerms;
  /** Learnable loss parameters (e.g. LDM's log-variance), optimised with the model's. */
  namedVariables?(): Map<string, tf.Variable>;
  /** Loss variables optimised apart (e.g. a discriminator), each group with its own optimiser. */
  paramGroups?(): ParamGroup[];
}

export interface Optimizer {
  /** One update of `vars` with `grads` at learning rate `lr`. */
  apply(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void;
  /** State for checkpoints, under stable names (the i-th variable's slots as `<slot>/<i>`). */
  state(): Map<string, tf.Tensor>;
  loadState(state: Map<string, tf.Tensor>): void;
  /** The configured base learning rate. */
  readonly lr: number;
}

/** Learning-rate schedule: a multiplier on the optimiser's base learning rate. */
export interface Schedule {
  factor(step: number): number;
}

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
