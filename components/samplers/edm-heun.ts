import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import type { SigmaDenoiser, SigmaSampler } from '../../framework/contracts/index.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { normalNoise } from '../nn/gaussian-noise.ts';

export interface EdmHeunParams {
  /** Sampling steps T (the seed's `diffusion_steps`; the upstream's default of 1000 was a trap: bug 13). */
  steps: number;
  sigma_min: number;
  sigma_max: number;
  rho: number;
  /** Stochastic churn S_churn (0: deterministic), applied for σ in [s_tmin, s_tmax]. */
  s_churn: number;
  s_tmin: number;
  s_tmax: number;
  s_noise: number;
  /** Where inversion starts (the data's own σ: a small positive level, since the ODE is singular at 0). */
  invert_sigma_min: number;
}

/**
 * Karras et al. (2022) Algorithm 2. Levels σ_i = (σ_max^{1/ρ} + i/(T−1)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ,
 * i < T, then σ_T = 0. Each step is Heun's (a second evaluation at σ_{i+1}) except the last, whose
 * σ_{i+1} = 0 makes it Euler: 2T − 1 denoiser calls. `invert` integrates the same ODE upwards
 * from `invert_sigma_min` to σ_max with Heun on every interval (the upstream dropped Heun on the
 * last one, bug 9) and divides by σ_max, so `sample(invert(x))` returns x up to the ODE's
 * discretisation error (pinned by a test).
 */
export class EDMHeun implements SigmaSampler {
  constructor(readonly p: EdmHeunParams) {}

  private levels(steps: number, lo: number): Float64Array {
    if (!(steps >= 1)) throw new UntangleError('edm.steps', `EDM sampling needs at least one step, got ${steps}`, { steps });
    const { sigma_max: hi, rho } = this.p;
    const out = new Float64Array(steps + 1);
    const a = hi ** (1 / rho), b = lo ** (1 / rho);
    for (let i = 0; i < steps; i++) out[i] = (steps === 1 ? a : a + (i / (steps - 1)) * (b - a)) ** rho;
    return out;
  }

  sigmas(steps = this.p.steps): Float64Array {
    return this.levels(steps, this.p.sigma_min); // last entry stays 0
  }

  private static rowSigmas(x: tf.Tensor, sigma: number): tf.Tensor1D {
    return tf.fill([x.shape[0]], sigma) as tf.Tensor1D;
  }

  /** One Euler (or Heun, when `heun`) move of the ODE from level a to level b. */
  private static move(denoise: SigmaDenoiser, x: tf.Tensor, a: number, b: number, heun: boolean): tf.Tensor {
    return tf.tidy(() => {
      const d = tf.div(tf.sub(x, denoise(x, EDMHeun.rowSigmas(x, a))), a);
      const euler = tf.add(x, tf.mul(d, b - a));
      if (!heun) return euler;
      const d2 = tf.div(tf.sub(euler, denoise(euler, EDMHeun.rowSigmas(euler, b))), b);
      return tf.add(x, tf.mul(tf.add(d, d2), 0.5 * (b - a)));
    });
  }

  sample(denoise: SigmaDenoiser, noise: tf.Tensor, rng?: Rng, steps = this.p.steps): tf.Tensor {
    const t = this.sigmas(steps);
    const T = steps;
    let x = tf.mul(noise, t[0]);
    for (let i = 0; i < T; i++) {
      let tc = t[i];
      const churn = this.p.s_churn > 0 && tc >= this.p.s_tmin && tc <= this.p.s_tmax;
      if (churn) {
        if (!rng) throw new UntangleError('edm.churn_rng', 'stochastic churn needs an Rng', { s_churn: this.p.s_churn });
        const gamma = Math.min(this.p.s_churn / T, Math.SQRT2 - 1);
        const th = tc * (1 + gamma);
        const eps = normalNoise(x.shape, rng);
        const xh = tf.add(x, tf.mul(eps, this.p.s_noise * Math.sqrt(th * th - tc * tc)));
        tf.dispose([x, eps]);
        x = xh;
        tc = th;
      }
      const next = EDMHeun.move(denoise, x, tc, t[i + 1], t[i + 1] !== 0);
      x.dispose();
      x = next;
    }
    return x;
  }

  invert(denoise: SigmaDenoiser, x0: tf.Tensor, steps = this.p.steps): tf.Tensor {
    const up = Array.from(this.levels(steps, this.p.invert_sigma_min).subarray(0, steps)).reverse();
    let x = tf.clone(x0);
    for (let i = 0; i + 1 < up.length; i++) {
      const next = EDMHeun.move(denoise, x, up[i], up[i + 1], true);
      x.dispose();
      x = next;
    }
    const out = tf.div(x, this.p.sigma_max);
    x.dispose();
    return out;
  }
}

/**
 * Unit noise for `shape` [B, T, ...], the same across axis 1 when `shared` (DiffSDA's
 * `shared_noise`: every step of a sequence starts from one draw). Generic over rank, unlike the
 * upstream's hard-coded 5-D repeat that broke series and audio (bug 8).
 */
export function sequenceNoise(shape: readonly number[], shared: boolean, rng: Rng): tf.Tensor {
  if (!shared || shape.length < 2) return normalNoise([...shape], rng);
  return tf.tidy(() => {
    const one = normalNoise([shape[0], 1, ...shape.slice(2)], rng);
    return tf.tile(one, [1, shape[1], ...shape.slice(2).map(() => 1)]);
  });
}

export const EDM_HEUN_PROPERTIES = {
  steps: { type: 'integer', minimum: 1, default: 18 },
  sigma_min: { type: 'number', exclusiveMinimum: 0, default: 0.002 },
  sigma_max: { type: 'number', exclusiveMinimum: 0, default: 80 },
  rho: { type: 'number', exclusiveMinimum: 0, default: 7 },
  s_churn: { type: 'number', minimum: 0, default: 0 },
  s_tmin: { type: 'number', minimum: 0, default: 0 },
  s_tmax: { type: 'number', minimum: 0, default: 1e9 },
  s_noise: { type: 'number', minimum: 0, default: 1 },
  invert_sigma_min: { type: 'number', exclusiveMinimum: 0, default: 1e-5 },
} as const;

export const edmHeunSpec = defineComponent<EdmHeunParams, EDMHeun>({
  target: 'untangle.samplers.EDMHeun',
  kind: 'sampler',
  description: 'Karras (2022) σ schedule and Heun ODE sampler (2T−1 calls), optional churn, ODE inversion',
  schema: { type: 'object', additionalProperties: false, properties: EDM_HEUN_PROPERTIES },
  create: (p) => new EDMHeun(p),
});
