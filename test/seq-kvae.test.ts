import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../framework/backends/tfjs-gradients.ts';
import { Rng } from '../framework/util/rng.ts';
import { KVAE, type KvaeParams } from '../components/models/sequential/kvae.ts';
import { SequentialELBO } from '../components/losses/sequential/sequential-elbo.ts';
import { Adam } from '../components/optim/adam.ts';
import type { Batch } from '../framework/contracts/index.ts';

tf.setBackend('cpu');

const FEAT: KvaeParams = {
  frame_shape: [6], frames: 6, x_embed: 8, a_dim: 2, z_dim: 3, num_bases: 3, hidden_dim: 8, width: 8,
  transition_noise: 0.08, emission_noise: 0.03, init_cov: 1,
};

/** Rotating 2-d points seen through a fixed 6-d linear map: linear dynamics for the SSM to find. */
function rotatingBatch(b: number, t: number, seed: number): Batch {
  const rng = new Rng(seed);
  const mapRows = [[1, 0], [0, 1], [0.5, 0.5], [-0.5, 1], [1, -1], [0.3, 0.8]];
  const x = new Float32Array(b * t * 6);
  for (let i = 0; i < b; i++) {
    let p = [rng.normal(), rng.normal()];
    for (let s = 0; s < t; s++) {
      for (let k = 0; k < 6; k++) x[(i * t + s) * 6 + k] = mapRows[k][0] * p[0] + mapRows[k][1] * p[1];
      p = [Math.cos(0.5) * p[0] - Math.sin(0.5) * p[1], Math.sin(0.5) * p[0] + Math.cos(0.5) * p[1]];
    }
  }
  return { x: tf.tensor3d(x, [b, t, 6]) };
}

describe('SequentialELBO with sampled groups', () => {
  it('adds log q − log p averaged over the batch as kl_<g>, β- and weight-scaled in the total', () => {
    const loss = new SequentialELBO({ likelihood: 'mse_identity', beta: 2, kl_weights: { a: 0.5 }, kl_warmup: 0, terms: {} });
    const out = { x_hat: tf.zeros([2, 1, 1]), a_log_q: tf.tensor1d([-1, -2]), a_log_p: tf.tensor1d([-3, -1]) };
    const r = loss.compute({ x: tf.ones([2, 1, 1]) }, out, { step: 0, training: true, rng: new Rng(0) });
    // recon: summed squared error 1² per example → 1; KL = mean(2, −1) = 0.5; total = 1 + 2·0.5·0.5.
    expect(r.terms.kl_a.dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(r.total.dataSync()[0]).toBeCloseTo(1 + 0.5, 6);
    expect(r.terms.elbo.dataSync()[0]).toBeCloseTo(-(1 + 0.5), 6);
  });
});

describe('KVAE', () => {
  it('outputs, shapes, smoothed states and generation', () => {
    const m = new KVAE(FEAT, new Rng(1));
    const b = rotatingBatch(3, 6, 0);
    const out = m.forward(b, { step: 0, training: true, rng: new Rng(2) });
    expect(out.x_hat.shape).toEqual([3, 6, 6]);
    expect(out.a.shape).toEqual([3, 6, 2]);
    expect(out.a_log_q.shape).toEqual([3]);
    expect(out.a_log_p.shape).toEqual([3]);
    expect(m.represent(b.x).shape).toEqual([3, 6 * 3]);
    expect(m.generate(2, 6, new Rng(3)).shape).toEqual([2, 6, 6]);
    const again = m.represent(b.x).dataSync();
    expect(Array.from(m.represent(b.x).dataSync())).toEqual(Array.from(again));
  });

  it('α_t depends only on a_<t: changing the last code changes no mixture weight', () => {
    const m = new KVAE(FEAT, new Rng(4));
    const a = tf.randomNormal([2, 5, 2], 0, 1, 'float32', 5) as tf.Tensor3D;
    const changed = tf.concat([tf.slice(a, [0, 0, 0], [2, 4, 2]), tf.fill([2, 1, 2], 7)], 1) as tf.Tensor3D;
    expect(Array.from(m.mixture(changed).dataSync())).toEqual(Array.from(m.mixture(a).dataSync()));
    // ... but the mixture at t = 2 does depend on a_1 (the LSTM is not ignoring its input).
    const first = tf.concat([tf.fill([2, 1, 2], 7), tf.slice(a, [0, 1, 0], [2, 4, 2])], 1) as tf.Tensor3D;
    expect(Array.from(m.mixture(first).dataSync())).not.toEqual(Array.from(m.mixture(a).dataSync()));
  });

  it('p_γ(a_1, a_2) is a normalised density although A_2 and C_2 depend nonlinearly on a_1 (grid integral ≈ 1)', () => {
    const m = new KVAE({ ...FEAT, a_dim: 1, z_dim: 2 }, new Rng(6));
    const lo = -7, hi = 7, k = 101, h = (hi - lo) / (k - 1);
    const pts = new Float32Array(k * k * 2);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) { pts[(i * k + j) * 2] = lo + i * h; pts[(i * k + j) * 2 + 1] = lo + j * h; }
    const logp = m.logPrior(tf.tensor3d(pts, [k * k, 2, 1])).dataSync();
    let mass = 0;
    for (const v of logp) mass += Math.exp(v) * h * h;
    expect(mass).toBeCloseTo(1, 2);
  });

  it('learns: the ELBO falls over Adam steps on rotating points', () => {
    const m = new KVAE(FEAT, new Rng(7));
    const loss = new SequentialELBO({ likelihood: 'mse_identity', beta: 1, kl_weights: {}, kl_warmup: 0, terms: {} });
    const batch = rotatingBatch(8, 6, 1);
    const opt = new Adam({ lr: 1e-2 });
    const vars = m.trainableVariables();
    const losses: number[] = [];
    for (let s = 0; s < 60; s++) {
      const ctx = { step: s, training: true, rng: new Rng(100 + s) };
      const { value, grads } = tf.variableGrads(() => loss.compute(batch, m.forward(batch, ctx), ctx).total, vars);
      losses.push(value.dataSync()[0]);
      opt.apply(vars, vars.map((v) => grads[v.name]), 1e-2);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-10))).toBeLessThan(0.6 * mean(losses.slice(0, 10)));
    // The base transition matrices (initialised to the identity) were trained too.
    const A = m.namedTrainableVariables().get('A');
    expect(A).toBeDefined();
    const eye = tf.tile(tf.reshape(tf.eye(3), [1, 9]), [3, 1]);
    expect(tf.max(tf.abs(tf.sub(A as tf.Variable, eye))).dataSync()[0]).toBeGreaterThan(1e-3);
  });
});

describe('SequentialELBO KL warm-up', () => {
  it('weights the KL by β·min(1, step / kl_warmup) in the total; the logged KL and ELBO are unweighted', () => {
    const loss = new SequentialELBO({ likelihood: 'mse_identity', beta: 2, kl_weights: {}, kl_warmup: 100, terms: {} });
    const out = { x_hat: tf.zeros([1, 1, 1]), a_log_q: tf.tensor1d([-1]), a_log_p: tf.tensor1d([-4]) };
    const at = (step: number) => loss.compute({ x: tf.zeros([1, 1, 1]) }, out, { step, training: true, rng: new Rng(0) });
    // recon 0; KL = 3.
    expect(at(0).total.dataSync()[0]).toBeCloseTo(0, 6);
    expect(at(25).total.dataSync()[0]).toBeCloseTo(2 * 0.25 * 3, 5);
    expect(at(100).total.dataSync()[0]).toBeCloseTo(6, 5);
    expect(at(500).total.dataSync()[0]).toBeCloseTo(6, 5);
    expect(at(25).terms.kl_a.dataSync()[0]).toBeCloseTo(3, 6);
    expect(at(25).terms.elbo.dataSync()[0]).toBeCloseTo(-3, 6);
  });
});
