import type * as tf from '@tensorflow/tfjs-core';

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
