import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { isSampler, type DiffusionSchedule, type EpsFn, type Sampler } from '../../framework/contracts/index.ts';

// The contract lives in framework/contracts; re-exported so sampler users keep one import.
export { isSampler, type EpsFn, type Sampler };

/**
 * Ancestral DDPM sampling (Ho et al. 2020, LDM's `p_sample_loop` with v_posterior 0): x_{t−1} ~
 * N(μ̃_t(x_t, x̂_0), β̃_t I), μ̃ = √ᾱ_{t−1}β_t/(1−ᾱ_t)·x̂_0 + √α_t(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t,
 * β̃_t = β_t(1−ᾱ_{t−1})/(1−ᾱ_t); no noise at t = 0.
 */
export class DDPMSampler implements Sampler {
  constructor(readonly clipDenoised: boolean) {}

  sample(eps: EpsFn, s: DiffusionSchedule, shape: number[], rng: Rng, xT?: tf.Tensor): tf.Tensor {
    let x = xT ? tf.clone(xT) : s.noise(shape, rng);
    for (let t = s.timesteps - 1; t >= 0; t--) {
      const next = tf.tidy(() => {
        const ab = s.alphasCumprod[t];
        const abPrev = t > 0 ? s.alphasCumprod[t - 1] : 1;
        const beta = s.betas[t];
        let x0 = s.predictX0(x, [t], eps(x, t));
        if (this.clipDenoised) x0 = tf.clipByValue(x0, -1, 1);
        const mean = tf.add(tf.mul((Math.sqrt(abPrev) * beta) / (1 - ab), x0), tf.mul((Math.sqrt(s.alphas[t]) * (1 - abPrev)) / (1 - ab), x));
        if (t === 0) return mean;
        const variance = (beta * (1 - abPrev)) / (1 - ab);
        return tf.add(mean, tf.mul(Math.sqrt(variance), s.noise(x.shape, rng)));
      });
      x.dispose();
      x = next;
    }
    return x;
  }
}

/**
 * DDIM (Song et al. 2021) on `steps` evenly spaced timesteps τ_i = ⌊i·T/steps⌋:
 * x_prev = √ᾱ_prev·x̂_0 + √(1 − ᾱ_prev − σ²)·ε̂ + σ·z, σ = η·√((1−ᾱ_prev)/(1−ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev),
 * with ᾱ_prev = 1 after the last step (the output is x̂_0). With η = 0 it is deterministic, and
 * `encode` runs it backwards (DDIM inversion); `inversion_iters` > 1 solves each inverse step by
 * fixed-point iteration on ε̂(x_t), which makes decode(encode(x_0)) = x_0 up to the solve's tolerance.
 */
export class DDIMSampler implements Sampler {
  constructor(readonly steps: number, readonly eta: number, readonly inversionIters = 1) {}

  timesteps(s: DiffusionSchedule): number[] {
    const n = Math.min(this.steps, s.timesteps);
    return Array.from({ length: n }, (_, i) => Math.floor((i * s.timesteps) / n));
  }

  sample(eps: EpsFn, s: DiffusionSchedule, shape: number[], rng: Rng, xT?: tf.Tensor): tf.Tensor {
    const taus = this.timesteps(s);
    let x = xT ? tf.clone(xT) : s.noise(shape, rng);
    for (let i = taus.length - 1; i >= 0; i--) {
      const t = taus[i];
      const next = tf.tidy(() => {
        const ab = s.alphasCumprod[t];
        const abPrev = i > 0 ? s.alphasCumprod[taus[i - 1]] : 1;
        const e = eps(x, t);
        const x0 = s.predictX0(x, [t], e);
        const sigma = this.eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
        let out = tf.add(tf.mul(Math.sqrt(abPrev), x0), tf.mul(Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma)), e));
        if (sigma > 0) out = tf.add(out, tf.mul(sigma, s.noise(x.shape, rng)));
        return out;
      });
      x.dispose();
      x = next;
    }
    return x;
  }

  /** Deterministic (η = 0) inversion: x_0 → x_{τ_last}. */
  encode(eps: EpsFn, s: DiffusionSchedule, x0: tf.Tensor): tf.Tensor {
    const taus = this.timesteps(s);
    let x = tf.clone(x0);
    for (let i = 0; i < taus.length; i++) {
      const t = taus[i];
      const ab = s.alphasCumprod[t];
      const abPrev = i > 0 ? s.alphasCumprod[taus[i - 1]] : 1;
      // Invert x_prev = √ᾱ_prev·x̂_0(x_t) + √(1−ᾱ_prev)·ε̂(x_t) for x_t: x_t = √ᾱ_t·(x_prev − √(1−ᾱ_prev)ε̂)/√ᾱ_prev + √(1−ᾱ_t)ε̂.
      const prev = x;
      let guess = tf.clone(prev);
      for (let k = 0; k < this.inversionIters; k++) {
        const g = tf.tidy(() => {
          const e = eps(guess, t);
          return tf.add(tf.mul(Math.sqrt(ab / abPrev), tf.sub(prev, tf.mul(Math.sqrt(1 - abPrev), e))), tf.mul(Math.sqrt(1 - ab), e));
        });
        guess.dispose();
        guess = g;
      }
      prev.dispose();
      x = guess;
    }
    return x;
  }
}

export const ddpmSamplerSpec = defineComponent<{ clip_denoised: boolean }, DDPMSampler>({
  target: 'untangle.samplers.DDPM',
  kind: 'sampler',
  description: 'Ancestral DDPM sampling over all timesteps (LDM p_sample_loop)',
  schema: { type: 'object', additionalProperties: false, properties: { clip_denoised: { type: 'boolean', default: false, description: 'clip x̂_0 to [−1, 1] (pixel-space models)' } } },
  create: (p) => new DDPMSampler(p.clip_denoised),
});

export const ddimSamplerSpec = defineComponent<{ steps: number; eta: number; inversion_iters: number }, DDIMSampler>({
  target: 'untangle.samplers.DDIM',
  kind: 'sampler',
  description: 'DDIM sampling with η (0 = deterministic, invertible) on evenly spaced timesteps',
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      steps: { type: 'integer', minimum: 1, default: 200, description: 'DisDiff log_images default: 200' },
      eta: { type: 'number', minimum: 0, default: 1.0, description: 'DisDiff log_images default: 1.0' },
      inversion_iters: { type: 'integer', minimum: 1, default: 1, description: 'fixed-point iterations per inverse step in encode()' },
    },
  },
  create: (p) => new DDIMSampler(p.steps, p.eta, p.inversion_iters),
});
