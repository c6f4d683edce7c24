import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { Rng } from '../framework/util/rng.ts';
import { EDMHeun, EDM_HEUN_PROPERTIES } from '../components/samplers/edm-heun.ts';
import { DDIMSampler } from '../components/samplers/samplers.ts';
import { DiffSDA } from '../components/models/diffsda/diffsda.ts';
import { DiffSDAPrior } from '../components/models/diffsda/latent-prior.ts';
import { DiffusionLoss } from '../components/losses/diffusion.ts';
import { createRegistry } from '../registry.ts';

beforeAll(async () => { await selectBackend('cpu'); });

const heun = Object.fromEntries(Object.entries(EDM_HEUN_PROPERTIES).map(([k, v]) => [k, v.default])) as unknown as ConstructorParameters<typeof EDMHeun>[0];

function firstStage(): DiffSDA {
  return new DiffSDA({
    frame_shape: [2], frames: 5, s_dim: 3, d_dim: 2, hidden_dim: 4, mlp_hidden_dim: 2, mlp_hidden_dim_enc: 2, mlp_layers: 2,
    dropout: 0.1, sigma_data: 1, p_mean: -0.4, p_std: 1, noise_tiles: 1, diffusion_steps: 3, shared_noise: false, sampler: null, sample_seed: 0,
  }, new EDMHeun(heun), new Rng(1));
}

function prior(fs: DiffSDA): DiffSDAPrior {
  return new DiffSDAPrior({
    first_stage: null, first_stage_ckpt: null, beta_schedule: 'linear', timesteps: 100, linear_start: 1e-4, linear_end: 2e-2, cosine_s: 0.008,
    width: 32, layers: 2, dropout: 0, sampler: null,
  }, fs, new DDIMSampler(20, 0.01), new Rng(2));
}

/** Per-coordinate mean and std over rows of `[n, k]`. */
function moments(a: tf.Tensor2D): { mean: number[]; std: number[] } {
  return tf.tidy(() => {
    const m = tf.moments(a, 0);
    return { mean: Array.from(m.mean.dataSync()), std: Array.from(tf.sqrt(m.variance).dataSync()) };
  });
}

describe('DiffSDAPrior (the latent DDPM over a = [s, d])', () => {
  it('is over S + V·D coordinates, trains only its ε-network, and fits the code statistics on the first batch', () => {
    const fs = firstStage(), p = prior(fs);
    expect(p.codeDim).toBe(3 + 5 * 2);
    const own = new Set(p.net.trainableVariables());
    expect(p.trainableVariables().every((v) => own.has(v))).toBe(true);
    expect(p.trainableVariables().length).toBe(own.size);
    const x = tf.randomNormal([16, 5, 2], 0, 1, 'float32', 3);
    const out = p.forward({ x }, { step: 0, training: true, rng: new Rng(4) });
    expect(out.eps_pred.shape).toEqual([16, 13]);
    expect(out.eps.shape).toEqual([16, 13]);
    // The buffers are the first batch's own per-coordinate moments of a = [s, flatten(d)].
    const { static: s, dynamic: d } = fs.encodeParts(x);
    const want = moments(tf.concat([s, tf.reshape(d, [16, 10])], 1) as tf.Tensor2D);
    Array.from(p.codeMean.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(want.mean[j], 5));
    Array.from(p.codeStd.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(want.std[j], 4));
    expect(createRegistry().get('untangle.models.DiffSDAPrior')?.kind).toBe('model');
  });

  it('trained on a first stage\'s codes, generates codes with their statistics, and sequences through the first stage', async () => {
    const fs = firstStage(), p = prior(fs);
    const data = tf.randomNormal([128, 5, 2], 0, 1, 'float32', 5);
    const codes = p.codes(data);
    const target = moments(codes);
    // Every encoder weight (the encoder is typed by its contract, which names no layers).
    const encoderWeights = () => [...fs.encoder.namedVariables().values()].flatMap((v) => Array.from(v.dataSync()));
    const frozen = encoderWeights();
    const loss = new DiffusionLoss({ loss_type: 'l2', l_simple_weight: 1 });
    const opt = tf.train.adam(5e-3);
    const rng = new Rng(6);
    let first = 0, last = 0;
    for (let step = 0; step < 150; step++) {
      // A long synchronous loop starves vitest's worker RPC: yield now and then.
      if (step % 10 === 0) await new Promise((r) => setImmediate(r));
      const idx = Array.from(rng.permutation(128).subarray(0, 32));
      const xb = tf.gather(data, idx);
      const v = opt.minimize(() => loss.compute({ x: xb }, p.forward({ x: xb }, { step, training: true, rng }), { step, training: true, rng }).total, true, p.trainableVariables());
      const l = v!.dataSync()[0];
      if (step < 20) first += l / 20;
      if (step >= 130) last += l / 20;
      tf.dispose([xb, v!]);
    }
    expect(last).toBeLessThan(first);
    // The first stage is frozen: its weights did not move.
    expect(encoderWeights()).toEqual(frozen);
    const got = moments(p.sampleCodes(256, new Rng(7)));
    // Each coordinate's mean within 0.35 code std of the data's, and its std within a factor 1.5.
    got.mean.forEach((m, j) => expect(Math.abs(m - target.mean[j]) / target.std[j]).toBeLessThan(0.35));
    got.std.forEach((s, j) => { expect(s / target.std[j]).toBeGreaterThan(1 / 1.5); expect(s / target.std[j]).toBeLessThan(1.5); });
    const x = p.generate(3, new Rng(8));
    expect(x.shape).toEqual([3, 5, 2]);
    expect(p.sampleStatic(2, new Rng(9)).shape).toEqual([2, 3]);
    expect(p.sampleDynamic(2, 5, new Rng(9)).shape).toEqual([2, 5, 2]);
    expect(() => p.sampleDynamic(2, 6, new Rng(9))).toThrow(/5 steps/);
  }, 400_000);
});
