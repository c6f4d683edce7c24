import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../framework/backends/tfjs-gradients.ts';
import { Rng } from '../framework/util/rng.ts';
import { DSVAE, type DsvaeParams } from '../components/models/sequential/dsvae.ts';
import { FHVAE } from '../components/models/sequential/fhvae.ts';
import { VRNN } from '../components/models/sequential/vrnn.ts';
import { DKF } from '../components/models/sequential/dkf.ts';
import { STORN } from '../components/models/sequential/storn.ts';
import { SRNN } from '../components/models/sequential/srnn.ts';
import { RVAE } from '../components/models/sequential/rvae.ts';
import type { DynamicalVAE, DvaeParams } from '../components/models/sequential/dvae-base.ts';
import { FHVAELoss } from '../components/losses/sequential/fhvae-loss.ts';
import { SequentialELBO } from '../components/losses/sequential/sequential-elbo.ts';
import { Adam } from '../components/optim/adam.ts';
import type { Model, Loss } from '../framework/contracts/index.ts';
import type { Batch } from '../framework/contracts/index.ts';

tf.setBackend('cpu');

function featureBatch(b: number, t: number, f: number, seed: number): Batch {
  const rng = new Rng(seed);
  // Smooth sequences (a per-sequence level plus a slow sinusoid) so there is structure to learn.
  const x = new Float32Array(b * t * f);
  for (let i = 0; i < b; i++) {
    const level = rng.normal();
    for (let s = 0; s < t; s++) for (let k = 0; k < f; k++) x[(i * t + s) * f + k] = level + Math.sin(0.7 * s + k);
  }
  return { x: tf.tensor3d(x, [b, t, f]), sequence: tf.tensor1d(Int32Array.from({ length: b }, (_, i) => i), 'int32') };
}

/** Mean loss over `k` Adam steps on one batch, before and after: a model that can learn must go down. */
function trainSteps(model: Model, loss: Loss, batch: Batch, steps: number, lr = 5e-3): { first: number; last: number } {
  const opt = new Adam({ lr });
  const vars = model.trainableVariables();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const ctx = { step: s, training: true, rng: new Rng(100 + s) };
    const { value, grads } = tf.variableGrads(() => loss.compute(batch, model.forward(batch, ctx), ctx).total, vars);
    losses.push(value.dataSync()[0]);
    opt.apply(vars, vars.map((v) => grads[v.name]), lr);
    tf.dispose([value, ...Object.values(grads)]);
  }
  return { first: losses[0], last: losses[losses.length - 1] };
}

const FEAT_DSVAE: DsvaeParams = { frame_shape: [6], frames: 5, f_dim: 3, z_dim: 2, hidden_dim: 8, conv_dim: 8, width: 8, variant: 'full', shuffled_static: false, cycle_noise: 0, posterior_logvar_init: 0, frame_norm: false };

describe('DSVAE', () => {
  it('draws its pictures with one sequence (or one latent) per row, whatever the sequence length', () => {
    const m = new DSVAE({ ...FEAT_DSVAE, frame_shape: [64, 64, 3], frames: 3, width: 4, conv_dim: 8 }, new Rng(2));
    const x = tf.randomUniform([4, 3, 64, 64, 3], 0, 1, 'float32', 1);
    const pics = m.logImages({ x }, { step: 0, training: false, rng: new Rng(3) });
    // 2 pairs × (a, b, f_a+z_b, f_b+z_a), each row a 3-frame sequence.
    expect(pics.swap.shape).toEqual([8, 3, 64, 64, 3]);
    expect(pics.static_fixed.shape).toEqual([5, 3, 64, 64, 3]);
    // The first 3 static latents (f_dim 3), 8 values each; row 0 starts at offset −2.
    expect(pics.traversal_static.shape).toEqual([3, 8, 64, 64, 3]);
    expect(pics.traversal_dynamic.shape).toEqual([2, 8, 64, 64, 3]);
    // Row 0 of the swap grid is sequence a itself.
    expect(Array.from(tf.slice(pics.swap, [0], [1]).dataSync())).toEqual(Array.from(tf.slice(x, [0], [1]).dataSync()));
  });

  it('outputs the ELBO groups with their shapes; full and factorized; static/dynamic codes', () => {
    for (const variant of ['full', 'factorized'] as const) {
      const m = new DSVAE({ ...FEAT_DSVAE, variant, shuffled_static: true }, new Rng(1));
      const b = featureBatch(3, 5, 6, 0);
      const out = m.forward(b, { step: 0, training: true, rng: new Rng(2) });
      expect(out.x_hat.shape).toEqual([3, 5, 6]);
      expect(out.f_mu.shape).toEqual([3, 3]);
      expect(out.z_mu.shape).toEqual([3, 5, 2]);
      expect(out.z_prior_mu.shape).toEqual([3, 5, 2]);
      expect(out.f_shuffled_mu.shape).toEqual([3, 3]);
      expect(m.represent(b.x).shape).toEqual([3, 3]);
      const { static: s, dynamic: d } = m.encodeParts(b.x);
      expect(m.decodeParts(s, d).shape).toEqual([3, 5, 6]);
      expect(m.sampleDynamic(2, 7, new Rng(3)).shape).toEqual([2, 7, 2]);
    }
    // The factorized posterior q(z_t | x_t) does not look at other frames: changing frame 4 leaves z_0 alone.
    const m = new DSVAE({ ...FEAT_DSVAE, variant: 'factorized' }, new Rng(1));
    const b = featureBatch(1, 5, 6, 0);
    const x2 = tf.concat([tf.slice(b.x, [0, 0, 0], [1, 4, 6]), tf.fill([1, 1, 6], 9)], 1);
    const z1 = m.encodeParts(b.x).dynamic, z2 = m.encodeParts(x2).dynamic;
    expect(Array.from(tf.slice(z1, [0, 0, 0], [1, 1, 2]).dataSync())).toEqual(Array.from(tf.slice(z2, [0, 0, 0], [1, 1, 2]).dataSync()));
  });

  it('learns: the sequential ELBO falls over Adam steps on a fixed batch', () => {
    const m = new DSVAE(FEAT_DSVAE, new Rng(4));
    const r = trainSteps(m, new SequentialELBO({ likelihood: 'mse_identity', beta: 1, kl_weights: {}, kl_warmup: 0, terms: {} }), featureBatch(4, 5, 6, 1), 25);
    expect(r.last).toBeLessThan(0.7 * r.first);
  });
});

describe('dynamical VAEs (VRNN, DKF, STORN, SRNN, RVAE)', () => {
  const p: DvaeParams = { frame_shape: [4], frames: 6, x_embed: 8, z_dim: 2, hidden_dim: 8, width: 8 };
  const makers: [string, (r: Rng) => DynamicalVAE, boolean][] = [
    ['VRNN', (r) => new VRNN(p, r), true], ['DKF', (r) => new DKF(p, r), true], ['STORN', (r) => new STORN(p, r), false],
    ['SRNN', (r) => new SRNN(p, r), true], ['RVAE', (r) => new RVAE({ ...p, bidirectional: true }, r), false],
  ];
  for (const [name, make, learnedPrior] of makers) {
    it(`${name}: shapes, ${learnedPrior ? 'a learned' : 'the N(0, I)'} prior, deterministic codes, and a falling loss`, () => {
      const m = make(new Rng(7));
      const b = featureBatch(3, 6, 4, 2);
      const out = m.forward(b, { step: 0, training: true, rng: new Rng(1) });
      expect(out.x_hat.shape).toEqual([3, 6, 4]);
      expect(out.z_mu.shape).toEqual([3, 6, 2]);
      expect(out.z_prior_mu !== undefined).toBe(learnedPrior);
      expect(Array.from(m.represent(b.x).dataSync())).toEqual(Array.from(m.represent(b.x).dataSync()));
      expect(m.represent(b.x).shape).toEqual([3, 12]);
      const r = trainSteps(m, new SequentialELBO({ likelihood: 'mse_identity', beta: 1, kl_weights: {}, kl_warmup: 0, terms: {} }), b, 20);
      expect(r.last).toBeLessThan(0.8 * r.first);
    });
  }
});

describe('FHVAE: the two bugs of the seeds\' port', () => {
  const params = { features: 4, segment_len: 3, z1_dim: 2, z2_dim: 2, hidden: 6, layers: 1, num_sequences: 5, z2_prior_std: 0.5 };

  it('μ2 is one trainable variable: unchanged by forward passes, changed by an optimiser step (rows of the batch only)', () => {
    const m = new FHVAE(params, new Rng(3));
    expect(m.namedVariables().get('mu2_table')).toBe(m.mu2Table);
    expect(m.trainableVariables()).toContain(m.mu2Table);
    const before = Array.from(m.mu2Table.dataSync());
    const b = { ...featureBatch(2, 6, 4, 0), sequence: tf.tensor1d([1, 3], 'int32') };
    const o1 = m.forward(b, { step: 0, training: true, rng: new Rng(1) });
    const o2 = m.forward(b, { step: 1, training: true, rng: new Rng(2) });
    expect(Array.from(m.mu2Table.dataSync())).toEqual(before);
    expect(Array.from(o1.z2_prior_mu.dataSync())).toEqual(Array.from(o2.z2_prior_mu.dataSync()));
    // Two segments per sequence: rows [1, 1, 3, 3] of the table.
    const rows = [1, 1, 3, 3].flatMap((r) => before.slice(2 * r, 2 * r + 2));
    expect(Array.from(o1.z2_prior_mu.dataSync())).toEqual(rows.map((v) => Math.fround(v)));
    // Without the discriminative term only the batch's rows get a gradient (KL to N(μ2_i, 0.5²), log p(μ2_i)).
    trainSteps(m, new FHVAELoss({ alpha: 0, segments_per_sequence: null }), b, 1, 0.01);
    const after = Array.from(m.mu2Table.dataSync());
    for (const r of [0, 2, 4]) expect(after.slice(2 * r, 2 * r + 2)).toEqual(before.slice(2 * r, 2 * r + 2));
    for (const r of [1, 3]) expect(after.slice(2 * r, 2 * r + 2)).not.toEqual(before.slice(2 * r, 2 * r + 2));
    // With it, every row moves: log q(i | z2) normalises over the whole table.
    trainSteps(m, new FHVAELoss({ alpha: 10, segments_per_sequence: null }), b, 1, 0.01);
    const again = Array.from(m.mu2Table.dataSync());
    for (const r of [0, 2, 4]) expect(again.slice(2 * r, 2 * r + 2)).not.toEqual(after.slice(2 * r, 2 * r + 2));
  });

  it('raising log q(i | z2) lowers the loss by exactly α·Δ (the discriminative term is minimised, not maximised)', () => {
    const m = new FHVAE(params, new Rng(5));
    const b = { ...featureBatch(2, 3, 4, 0), sequence: tf.tensor1d([0, 2], 'int32') };
    const out = m.forward(b, { step: 0, training: true, rng: new Rng(1) });
    const loss = new FHVAELoss({ alpha: 10, segments_per_sequence: null });
    const far = loss.compute(b, out);
    // Move each z2 sample onto its own sequence's μ2 row: only log q(i | z2) changes.
    const near = loss.compute(b, { ...out, z2: out.z2_prior_mu });
    const dq = near.terms.log_qi.dataSync()[0] - far.terms.log_qi.dataSync()[0];
    expect(dq).toBeGreaterThan(0);
    const dl = near.total.dataSync()[0] - far.total.dataSync()[0];
    expect(dl).toBeLessThan(0);
    expect(dl).toBeCloseTo(-10 * dq, 3);
    expect(near.terms.elbo.dataSync()[0]).toBeCloseTo(far.terms.elbo.dataSync()[0], 5);
  });

  it('log p(μ2) enters the bound divided by the segments per sequence; the decoder gets reconstruction gradients', () => {
    const m = new FHVAE(params, new Rng(6));
    const b = { ...featureBatch(1, 6, 4, 0), sequence: tf.tensor1d([4], 'int32') };
    const out = m.forward(b, { step: 0, training: true, rng: new Rng(1) });
    const r = new FHVAELoss({ alpha: 0, segments_per_sequence: null }).compute(b, out);
    const t = (k: string) => r.terms[k].dataSync()[0];
    expect(t('elbo')).toBeCloseTo(-t('recon') - t('kl_z1') - t('kl_z2') + t('log_p_mu2') / 2, 4);
    const dec = [...m.namedTrainableVariables()].filter(([k]) => k.startsWith('x_mu')).map(([, v]) => v);
    const g = tf.variableGrads(() => new FHVAELoss({ alpha: 0, segments_per_sequence: null }).compute(b, m.forward(b, { step: 0, training: true, rng: new Rng(1) })).terms.recon, dec);
    expect(Object.values(g.grads).some((x) => tf.max(tf.abs(x)).dataSync()[0] > 0)).toBe(true);
  });
});
