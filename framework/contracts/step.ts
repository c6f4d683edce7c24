import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.ts';

/** What every forward pass is told about the step it computes. */
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
