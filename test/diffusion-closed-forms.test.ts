import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { NoiseSchedule, type ScheduleParams } from '../components/samplers/schedule.ts';
import { DDIMSampler, DDPMSampler, type EpsFn } from '../components/samplers/samplers.ts';
import { Rng } from '../framework/util/rng.ts';

const LDM: ScheduleParams = { beta_schedule: 'linear', timesteps: 1000, linear_start: 0.0015, linear_end: 0.0155, cosine_s: 0.008 };

/**
 * The exact noise predictor for data x_0 ~ N(μ, s²) (per coordinate): x_t = √ᾱ x_0 + √(1−ᾱ) ε is
 * Gaussian jointly with ε, so E[ε | x_t] = √(1−ᾱ)(x_t − √ᾱ μ)/(ᾱ s² + 1 − ᾱ).
 */
function gaussianEps(s: NoiseSchedule, mu: number, sd: number): EpsFn {
  return (x, t) => tf.tidy(() => {
    const ab = s.alphasCumprod[t];
    return tf.mul(tf.sub(x, Math.sqrt(ab) * mu), Math.sqrt(1 - ab) / (ab * sd * sd + 1 - ab));
  });
}

function moments(t: tf.Tensor): { mean: number; variance: number } {
  const v = t.dataSync();
  let m = 0;
  for (const x of v) m += x / v.length;
  let q = 0;
  for (const x of v) q += (x - m) ** 2 / (v.length - 1);
  return { mean: m, variance: q };
}

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

describe('noise schedules', () => {
  it("linear is LDM's (linspace(√start, √end))², with ᾱ the running product", () => {
    const s = new NoiseSchedule(LDM);
    expect(s.betas[0]).toBeCloseTo(0.0015, 12);
    expect(s.betas[999]).toBeCloseTo(0.0155, 12);
    const mid = (Math.sqrt(0.0015) + (499 / 999) * (Math.sqrt(0.0155) - Math.sqrt(0.0015))) ** 2;
    expect(s.betas[499]).toBeCloseTo(mid, 14);
    let prod = 1;
    for (let i = 0; i < 1000; i++) {
      prod *= 1 - (Math.sqrt(0.0015) + (i / 999) * (Math.sqrt(0.0155) - Math.sqrt(0.0015))) ** 2;
      if (i === 700) expect(s.alphasCumprod[700]).toBeCloseTo(prod, 12);
    }
    expect(s.alphasCumprod[999] / prod).toBeCloseTo(1, 10);
  });

  it('cosine follows ᾱ(t) = cos²((t/T + s)/(1 + s)·π/2)/ᾱ(0) (Nichol & Dhariwal) where no clipping happens', () => {
    const s = new NoiseSchedule({ ...LDM, beta_schedule: 'cosine' });
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 10, 250, 500, 900]) expect(s.alphasCumprod[t]).toBeCloseTo(f(t + 1) / f(0), 10);
    expect(Math.max(...s.betas)).toBeLessThanOrEqual(0.999);
  });
});

describe('q(x_t | x_0)', () => {
  it('has mean √ᾱ_t·x_0 and variance 1 − ᾱ_t (by sampling 40 000 draws)', () => {
    const s = new NoiseSchedule(LDM);
    const rng = new Rng(5);
    for (const t of [50, 500, 950]) {
      const n = 40000;
      const x0 = tf.fill([n], 0.7);
      const xt = s.qSample(x0, new Int32Array(n).fill(t), s.noise([n], rng));
      const { mean, variance } = moments(xt);
      const ab = s.alphasCumprod[t];
      // Standard errors: √((1−ᾱ)/n) ≤ 0.005 for the mean, ≈ var·√(2/n) ≤ 0.007 for the variance.
      expect(Math.abs(mean - Math.sqrt(ab) * 0.7)).toBeLessThan(0.02);
      expect(Math.abs(variance - (1 - ab))).toBeLessThan(0.03);
      tf.dispose([x0, xt]);
    }
  });

  it('predictX0 inverts qSample given the true noise', () => {
    const s = new NoiseSchedule(LDM);
    const rng = new Rng(1);
    const x0 = tf.tensor2d([[0.3, -0.2], [1.1, 0.5]]);
    const eps = s.noise([2, 2], rng);
    const t = [10, 900];
    const back = s.predictX0(s.qSample(x0, t, eps), t, eps);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x0.dataSync()).map((v) => expect.closeTo(v, 4)));
  });
});

describe('samplers on a Gaussian data distribution with its exact ε-predictor', () => {
  const mu = 0.5;
  const sd = 0.3;

  it('DDIM with η = 0 is deterministic: different noise streams, same x_T → same x_0', () => {
    const s = new NoiseSchedule(LDM);
    const ddim = new DDIMSampler(50, 0);
    const xT = tf.tensor1d([-1.2, 0.1, 2.0]);
    const a = ddim.sample(gaussianEps(s, mu, sd), s, [3], new Rng(1), xT).dataSync();
    const b = ddim.sample(gaussianEps(s, mu, sd), s, [3], new Rng(999), xT).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    // The exact probability-flow map from q(x_T) = N(√ᾱ_T μ, ᾱ_T s² + 1 − ᾱ_T) to N(μ, s²) is affine;
    // DDIM is its first-order discretisation: the error shrinks as the step count grows.
    const gap = (steps: number) => {
      const d = new DDIMSampler(steps, 0);
      const taus = d.timesteps(s);
      const abT = s.alphasCumprod[taus[taus.length - 1]];
      const flow = (x: number) => mu + (sd * (x - Math.sqrt(abT) * mu)) / Math.sqrt(abT * sd * sd + 1 - abT);
      const out = d.sample(gaussianEps(s, mu, sd), s, [3], new Rng(0), xT).dataSync();
      return Math.max(...Array.from(out).map((v, i) => Math.abs(v - flow([-1.2, 0.1, 2.0][i]))));
    };
    const g50 = gap(50);
    const g400 = gap(400);
    expect(g400).toBeLessThan(0.02);
    expect(g400).toBeLessThan(g50 / 4);
  });

  it('DDIM inversion then sampling recovers x_0 (fixed-point inverse steps)', () => {
    const s = new NoiseSchedule(LDM);
    const ddim = new DDIMSampler(25, 0, 30);
    const eps = gaussianEps(s, mu, sd);
    const x0 = tf.tensor1d([0.1, 0.45, 0.9, 1.3]);
    const xT = ddim.encode(eps, s, x0);
    const back = ddim.sample(eps, s, [4], new Rng(0), xT);
    Array.from(back.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(x0.dataSync()[i], 4));
    // and x_T is not x_0: the inversion really moved to the noise end.
    expect(Math.abs(xT.dataSync()[0] - 0.1)).toBeGreaterThan(0.5);
  });

  it('DDPM ancestral sampling (and DDIM η = 1) reproduce the data moments N(μ, s²)', () => {
    const s = new NoiseSchedule({ ...LDM, timesteps: 200, linear_end: 0.06 });
    const n = 4000;
    const ddpm = new DDPMSampler(false).sample(gaussianEps(s, mu, sd), s, [n], new Rng(3));
    const m1 = moments(ddpm);
    expect(Math.abs(m1.mean - mu)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(m1.variance) - sd)).toBeLessThan(0.02);
    const ddim = new DDIMSampler(100, 1).sample(gaussianEps(s, mu, sd), s, [n], new Rng(4));
    const m2 = moments(ddim);
    expect(Math.abs(m2.mean - mu)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(m2.variance) - sd)).toBeLessThan(0.03);
  });
});
