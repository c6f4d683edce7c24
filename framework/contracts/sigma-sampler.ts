import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.ts';

/**
 * A σ-parameterised denoiser (Karras et al. 2022): D(x; σ) estimates the clean x from
 * x + σ·n. `sigma` holds one noise level per leading row of `x` (`[N]`), so per-frame or per-step
 * levels fit the same contract.
 */
export type SigmaDenoiser = (x: tf.Tensor, sigma: tf.Tensor1D) => tf.Tensor;

/**
 * A sampler over noise levels σ rather than DDPM timesteps (sampler.ts is the ε-based one):
 * integrates the probability-flow ODE dx/dσ = (x − D(x; σ))/σ from σ_max down to 0.
 */
export interface SigmaSampler {
  /** The descending noise levels of a sampling run, ending with 0 (length steps + 1). */
  sigmas(steps?: number): Float64Array;
  /**
   * Samples from unit-variance noise `noise` (scaled by σ_max inside), with optional stochastic
   * churn drawn from `rng`. Returns the clean estimate.
   */
  sample(denoise: SigmaDenoiser, noise: tf.Tensor, rng?: Rng, steps?: number): tf.Tensor;
  /** Runs the ODE backwards from data `x0` to σ_max and returns the unit-variance noise it maps to. */
  invert(denoise: SigmaDenoiser, x0: tf.Tensor, steps?: number): tf.Tensor;
}
