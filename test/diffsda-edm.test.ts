import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { Rng } from '../framework/util/rng.ts';
import { EDMHeun, sequenceNoise, type EdmHeunParams } from '../components/samplers/edm-heun.ts';
import { edmCoefficients } from '../components/losses/edm-precond.ts';
import { EdmLoss } from '../components/losses/edm.ts';
import { WarmupCosine } from '../components/optim/schedules.ts';
import type { SigmaDenoiser } from '../framework/contracts/index.ts';

const KARRAS: EdmHeunParams = {
  steps: 18, sigma_min: 0.002, sigma_max: 80, rho: 7, s_churn: 0, s_tmin: 0, s_tmax: 1e9, s_noise: 1, invert_sigma_min: 1e-5,
};

/**
 * The exact denoiser for data x ~ N(μ, s²) per coordinate: given y = x + σn, E[x | y] =
 * μ + s²/(s² + σ²)(y − μ). Along the probability-flow ODE dx/dσ = (x − D)/σ = σ(x − μ)/(s² + σ²),
 * (x − μ)/√(s² + σ²) is constant, so every sample and inversion has a closed form.
 */
function gaussianDenoiser(mu: number, s: number, calls: { n: number }): SigmaDenoiser {
  return (x, sigma) => {
    calls.n++;
    return tf.tidy(() => {
      const sig2 = tf.square(tf.reshape(sigma, [-1, ...x.shape.slice(1).map(() => 1)]));
      const gain = tf.div(s * s, tf.add(sig2, s * s));
      return tf.add(mu, tf.mul(gain, tf.sub(x, mu)));
    });
  };
}

beforeAll(async () => { await selectBackend('cpu'); });

describe('Karras σ schedule', () => {
  it('matches (σ_max^{1/ρ} + i/(T−1)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, then 0', () => {
    const t = new EDMHeun({ ...KARRAS, steps: 4 }).sigmas();
    // Hand-computed: a = 80^{1/7} = 1.870122..., b = 0.002^{1/7} = 0.4115597...
    const a = 80 ** (1 / 7), b = 0.002 ** (1 / 7);
    expect(a).toBeCloseTo(1.870122, 5);
    expect(b).toBeCloseTo(0.4115597, 6);
    const want = [a, a + (b - a) / 3, a + (2 * (b - a)) / 3, b].map((v) => v ** 7);
    expect(t.length).toBe(5);
    want.forEach((w, i) => expect(t[i] / w).toBeCloseTo(1, 12));
    expect(t[0]).toBeCloseTo(80, 10);
    expect(t[3]).toBeCloseTo(0.002, 12);
    expect(t[4]).toBe(0);
    // ρ = 1 is a linear ramp.
    expect(Array.from(new EDMHeun({ ...KARRAS, steps: 3, rho: 1, sigma_min: 1, sigma_max: 3 }).sigmas())).toEqual([3, 2, 1, 0]);
  });
});

describe('EDM preconditioning', () => {
  it('equals the closed forms at σ = σ_data and gives unit-variance network targets at every σ', () => {
    for (const sd of [0.5, 1.0]) {
      const c = edmCoefficients(sd, sd);
      expect(c.cSkip).toBeCloseTo(0.5, 12);
      expect(c.cOut).toBeCloseTo(sd / Math.SQRT2, 12);
      expect(c.cIn).toBeCloseTo(1 / (sd * Math.SQRT2), 12);
      expect(c.cNoise).toBeCloseTo(Math.log(sd) / 4, 12);
      expect(c.weight).toBeCloseTo(2 / (sd * sd), 12);
      for (const sigma of [0.002, 0.1, 1, 7, 80]) {
        const k = edmCoefficients(sigma, sd);
        // Var of F's target (x − c_skip(x + σn))/c_out for Var x = σ_d², and of its input c_in(x + σn).
        expect(((1 - k.cSkip) ** 2 * sd * sd + k.cSkip ** 2 * sigma * sigma) / k.cOut ** 2).toBeCloseTo(1, 9);
        expect(k.cIn ** 2 * (sd * sd + sigma * sigma)).toBeCloseTo(1, 12);
        expect(k.weight * k.cOut ** 2).toBeCloseTo(1, 9);
      }
    }
  });

  it('σ_data is a parameter of the loss weight (bug 12: the upstream fixed 0.5 for std-1 series)', () => {
    const outputs = { denoised: tf.tensor2d([[1]]), target: tf.tensor2d([[0]]), sigma: tf.tensor1d([1]) };
    const ctx = { step: 0, training: true, rng: new Rng(0) };
    // λ(1) = (1 + σ_d²)/σ_d²: 5 for σ_d = 0.5, 2 for σ_d = 1; squared error 1.
    expect(new EdmLoss({ sigma_data: 0.5 }).compute({}, outputs, ctx).total.dataSync()[0]).toBeCloseTo(5, 5);
    expect(new EdmLoss({ sigma_data: 1 }).compute({}, outputs, ctx).total.dataSync()[0]).toBeCloseTo(2, 5);
  });

  it('leaves masked entries out of the loss', () => {
    const ctx = { step: 0, training: true, rng: new Rng(0) };
    // Two rows, σ = 1 and 2, σ_d = 1: λ = 2 and 1.25. Errors² row0 [1, 100 (masked)], row1 [4, 9].
    const out = {
      denoised: tf.tensor2d([[1, 10], [2, 3]]), target: tf.zeros([2, 2]), sigma: tf.tensor1d([1, 2]),
      mask: tf.tensor2d([[1, 0], [1, 1]]),
    };
    const want = (2 * 1 + 1.25 * 4 + 1.25 * 9) / 3;
    expect(new EdmLoss({ sigma_data: 1 }).compute({}, out, ctx).total.dataSync()[0]).toBeCloseTo(want, 5);
  });
});

describe('EDMHeun on an analytic Gaussian denoiser', () => {
  const mu = 0.7, s = 0.3;

  it('samples the closed-form ODE endpoint with 2T − 1 denoiser calls', () => {
    const z = sequenceNoise([64, 3], false, new Rng(1));
    const calls = { n: 0 };
    const T = 40;
    const x = new EDMHeun({ ...KARRAS, steps: T }).sample(gaussianDenoiser(mu, s, calls), z);
    expect(calls.n).toBe(2 * T - 1);
    const zv = z.dataSync(), xv = x.dataSync();
    // x(σ_min) from x(σ_max) = σ_max·z, then one Euler move to 0 (exact here: D is linear, the gain at 0.002 ≈ 1).
    const kEnd = Math.sqrt(s * s + 0.002 ** 2) / Math.sqrt(s * s + 80 * 80);
    // Heun's own discretisation error at T = 40 (float64, z = 1: 7.5e-4) grows with |z|; float32 adds to it.
    let maxErr = 0;
    for (let i = 0; i < zv.length; i++) maxErr = Math.max(maxErr, Math.abs(xv[i] - (mu + 80 * zv[i] * kEnd)) / Math.max(1, Math.abs(zv[i])));
    expect(maxErr).toBeLessThan(1e-2);
    // Twice the steps stays within the same band: at T = 40 the float32 round-off, not the
    // discretisation, already sets the error.
    const fine = new EDMHeun({ ...KARRAS, steps: 2 * T }).sample(gaussianDenoiser(mu, s, { n: 0 }), z).dataSync();
    let fineErr = 0;
    for (let i = 0; i < zv.length; i++) fineErr = Math.max(fineErr, Math.abs(fine[i] - (mu + 80 * zv[i] * kEnd)) / Math.max(1, Math.abs(zv[i])));
    expect(fineErr).toBeLessThan(1e-2);
  });

  it('inverts data to the closed-form x_T, and sample(invert(x)) returns x (bug 9: tolerance pinned)', () => {
    const sampler = new EDMHeun({ ...KARRAS, steps: 40 });
    const x0 = tf.tensor2d([[0.1, 0.7, 1.3], [0.4, 1.0, 0.55]]);
    const calls = { n: 0 };
    const z = sampler.invert(gaussianDenoiser(mu, s, calls), x0);
    const want = Array.from(x0.dataSync(), (v) => ((v - mu) * Math.sqrt(s * s + 6400)) / Math.sqrt(s * s + 1e-10) / 80);
    const zv = z.dataSync();
    // Upwards from 1e-5 the first intervals are the stiff ones; 40 Heun steps get within 3 %.
    want.forEach((w, i) => expect(Math.abs(zv[i] - w)).toBeLessThan(3e-2 * Math.max(1, Math.abs(w))));
    const back = sampler.sample(gaussianDenoiser(mu, s, calls), z).dataSync();
    x0.dataSync().forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThan(5e-3));
  });

  it('stochastic churn needs an Rng and still lands on the data distribution', () => {
    const sampler = new EDMHeun({ ...KARRAS, steps: 40, s_churn: 40, s_tmin: 0.05, s_tmax: 50 });
    const z = sequenceNoise([4000, 1], false, new Rng(2));
    expect(() => sampler.sample(gaussianDenoiser(mu, s, { n: 0 }), z)).toThrow(/churn needs an Rng/);
    const x = Array.from(sampler.sample(gaussianDenoiser(mu, s, { n: 0 }), z, new Rng(3)).dataSync());
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length);
    expect(m).toBeCloseTo(mu, 1);
    expect(Math.abs(sd - s)).toBeLessThan(0.03);
  });
});

describe('shared_noise (bug 8: generic over rank)', () => {
  for (const shape of [[3, 5, 1], [2, 4, 8], [2, 3, 4, 4, 3]]) {
    it(`repeats one draw along the step axis for [${shape}]`, () => {
      const n = sequenceNoise(shape, true, new Rng(4));
      expect(n.shape).toEqual(shape);
      const steps = tf.unstack(n, 1).map((t) => t.arraySync());
      for (const st of steps) expect(st).toEqual(steps[0]);
      const rows = tf.unstack(n, 0).map((t) => JSON.stringify(t.arraySync()));
      expect(rows[0]).not.toEqual(rows[1]);
      const free = tf.unstack(sequenceNoise(shape, false, new Rng(4)), 1).map((t) => JSON.stringify(t.arraySync()));
      expect(free[0]).not.toEqual(free[1]);
    });
  }
});

describe('LR schedule (bug 1)', () => {
  it('WarmupCosine from 0.5 at a doubled lr rises 1x → 2x, then decays monotonically to 0', () => {
    // The upstream's hand-off gave factors 1, 2, 1, 0.99, …, 0.05 (a drop back to 1x and no end at 0).
    const sch = new WarmupCosine({ warmupSteps: 10, totalSteps: 110, start: 0.5, floor: 0 });
    const f = Array.from({ length: 111 }, (_, i) => 2 * sch.factor(i));
    expect(f[0]).toBeCloseTo(1, 12);
    expect(f[10]).toBeCloseTo(2, 12);
    for (let i = 11; i <= 110; i++) expect(f[i]).toBeLessThanOrEqual(f[i - 1] + 1e-12);
    expect(f[11]).toBeGreaterThan(1.99);
    expect(f[110]).toBeCloseTo(0, 12);
  });
});
