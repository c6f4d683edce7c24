import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.ts';

/** A noise predictor ε(x_t, t) with one timestep for the whole batch. */
export type EpsFn = (x: tf.Tensor, t: number) => tf.Tensor;

/**
 * What a sampler reads from a discrete diffusion schedule: the per-step coefficients, the x̂_0
 * estimate from a predicted ε and the noise draw, so any schedule implementation can drive any sampler.
 */
export interface DiffusionSchedule {
  readonly timesteps: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphasCumprod: Float64Array;
  predictX0(xt: tf.Tensor, t: ArrayLike<number>, eps: tf.Tensor): tf.Tensor;
  noise(shape: number[], rng: Rng): tf.Tensor;
}

export interface Sampler {
  /** Draw from the model: start at x_T (given, or N(0, I)) and denoise to x_0. */
  sample(eps: EpsFn, schedule: DiffusionSchedule, shape: number[], rng: Rng, xT?: tf.Tensor): tf.Tensor;
}

export function isSampler(v: unknown): v is Sampler {
  return v !== null && typeof v === 'object' && typeof (v as Sampler).sample === 'function';
}
