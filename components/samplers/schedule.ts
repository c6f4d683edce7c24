import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { normalNoise } from '../nn/gaussian-noise.ts';

export type BetaSchedule = 'linear' | 'cosine';

export interface ScheduleParams {
  beta_schedule: BetaSchedule;
  timesteps: number;
  linear_start: number;
  linear_end: number;
  cosine_s: number;
}

/**
 * The DDPM noise schedule, in float64 as LDM computes it in numpy:
 *  - `linear` (LDM's, not Ho et al.'s): β = (linspace(√start, √end, T))²;
 *  - `cosine` (Nichol & Dhariwal 2021): ᾱ(t) = cos²((t/T + s)/(1 + s)·π/2)/ᾱ(0), β_t = 1 − ᾱ_{t+1}/ᾱ_t
 *    clipped to [0, 0.999].
 */
export class NoiseSchedule {
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphasCumprod: Float64Array;

  constructor(readonly p: ScheduleParams) {
    const T = p.timesteps;
    if (T < 1) throw new UntangleError('schedule-timesteps', `timesteps must be ≥ 1, got ${T}`, { timesteps: T });
    this.betas = new Float64Array(T);
    if (p.beta_schedule === 'linear') {
      const a = Math.sqrt(p.linear_start);
      const b = Math.sqrt(p.linear_end);
      for (let i = 0; i < T; i++) this.betas[i] = (T === 1 ? a : a + ((b - a) * i) / (T - 1)) ** 2;
    } else {
      const f = (t: number) => Math.cos(((t / T + p.cosine_s) / (1 + p.cosine_s)) * (Math.PI / 2)) ** 2;
      for (let i = 0; i < T; i++) this.betas[i] = Math.min(Math.max(1 - f(i + 1) / f(i), 0), 0.999);
    }
    this.alphas = this.betas.map((b) => 1 - b);
    this.alphasCumprod = new Float64Array(T);
    let c = 1;
    for (let i = 0; i < T; i++) this.alphasCumprod[i] = c *= this.alphas[i];
  }

  get timesteps(): number {
    return this.p.timesteps;
  }

  /** ᾱ_t for each of a batch's timesteps, shaped `[B,1,1,1]`-broadcastable against `like`. */
  gather(values: Float64Array, t: ArrayLike<number>, rank: number, fn: (v: number) => number = (v) => v): tf.Tensor {
    const shape = [t.length, ...new Array<number>(rank - 1).fill(1)];
    return tf.tensor(Array.from(t, (ti) => fn(values[ti])), shape, 'float32');
  }

  /** A sample of q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) and the noise used. */
  qSample(x0: tf.Tensor, t: ArrayLike<number>, noise: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(
      tf.mul(this.gather(this.alphasCumprod, t, x0.rank, Math.sqrt), x0),
      tf.mul(this.gather(this.alphasCumprod, t, x0.rank, (a) => Math.sqrt(1 - a)), noise)));
  }

  /** x̂_0 from x_t and a noise prediction. */
  predictX0(xt: tf.Tensor, t: ArrayLike<number>, eps: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.div(
      tf.sub(xt, tf.mul(this.gather(this.alphasCumprod, t, xt.rank, (a) => Math.sqrt(1 - a)), eps)),
      this.gather(this.alphasCumprod, t, xt.rank, Math.sqrt)));
  }

  /** Uniform random timesteps for a training batch (drawn in JS). */
  randomTimesteps(n: number, rng: Rng): Int32Array {
    const t = new Int32Array(n);
    for (let i = 0; i < n; i++) t[i] = rng.int(this.timesteps);
    return t;
  }

  noise(shape: number[], rng: Rng): tf.Tensor {
    return normalNoise(shape, rng);
  }
}

export const SCHEDULE_SCHEMA_PROPERTIES = {
  beta_schedule: { enum: ['linear', 'cosine'], default: 'linear' },
  timesteps: { type: 'integer', minimum: 1, default: 1000 },
  linear_start: { type: 'number', exclusiveMinimum: 0, default: 0.0015 },
  linear_end: { type: 'number', exclusiveMinimum: 0, default: 0.0155 },
  cosine_s: { type: 'number', minimum: 0, default: 0.008 },
} as const;
