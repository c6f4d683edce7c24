import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { klDiagGaussians } from '../components/losses/sequential/kl.ts';
import { SequentialELBO } from '../components/losses/sequential/sequential-elbo.ts';
import { MIPenalty } from '../components/losses/sequential/mi-penalty.ts';
import { StaticConsistency } from '../components/losses/sequential/static-consistency.ts';
import { CrossEntropy } from '../components/losses/sequential/cross-entropy.ts';
import { equalErrorRate } from '../components/metrics/sequential/eer.ts';
import { entropyScores } from '../components/metrics/sequential/entropy-scores.ts';
import { Rng } from '../framework/util/rng.ts';

tf.setBackend('cpu');
const ctx = { step: 0, training: true, rng: new Rng(0) };
const val = (t: tf.Tensor) => t.dataSync()[0];

describe('sequential ELBO terms against hand-computed values', () => {
  it('KL between diagonal Gaussians', () => {
    // KL(N(0, 4) ‖ N(1, 1)) = ½(0 − ln 4 + (4 + 1)/1 − 1) = 2 − ln 2.
    expect(val(klDiagGaussians(tf.scalar(0), tf.scalar(Math.log(4)), tf.scalar(1), tf.scalar(0)))).toBeCloseTo(2 - Math.log(2), 6);
    expect(val(klDiagGaussians(tf.scalar(1), tf.scalar(0), tf.scalar(0), tf.scalar(0)))).toBeCloseTo(0.5, 6);
  });

  it('recon + KL(f ‖ N(0,1)) + Σ_t KL(z_t ‖ learned prior), per group and in total', () => {
    const loss = new SequentialELBO({ likelihood: 'mse_identity', beta: 2, kl_weights: { f: 0.5 }, kl_warmup: 0, terms: {} });
    const out = {
      x_hat: tf.tensor3d([[[0.5], [0.5]]]),
      f_mu: tf.tensor2d([[1]]), f_logvar: tf.tensor2d([[0]]),
      z_mu: tf.zeros([1, 2, 1]), z_logvar: tf.fill([1, 2, 1], Math.log(4)),
      z_prior_mu: tf.ones([1, 2, 1]), z_prior_logvar: tf.zeros([1, 2, 1]),
    };
    const r = loss.compute({ x: tf.tensor3d([[[0], [1]]]) }, out, ctx);
    expect(val(r.terms.recon)).toBeCloseTo(0.5, 6);
    expect(val(r.terms.kl_f)).toBeCloseTo(0.5, 6);
    expect(val(r.terms.kl_z)).toBeCloseTo(2 * (2 - Math.log(2)), 5);
    expect(val(r.terms.elbo)).toBeCloseTo(-(0.5 + 0.5 + 2 * (2 - Math.log(2))), 5);
    // total = recon + β·(0.5·KL_f + 1·KL_z)
    expect(val(r.total)).toBeCloseTo(0.5 + 2 * (0.25 + 2 * (2 - Math.log(2))), 5);
  });

  it('masked entries do not count in the reconstruction', () => {
    const loss = new SequentialELBO({ likelihood: 'mse_identity', beta: 1, kl_weights: {}, kl_warmup: 0, terms: {} });
    const r = loss.compute({ x: tf.tensor3d([[[0, 5]]]), mask: tf.tensor3d([[[1, 0]]]) }, { x_hat: tf.tensor3d([[[1, 0]]]) }, ctx);
    expect(val(r.terms.recon)).toBeCloseTo(1, 6);
  });

  it('MI penalty by minibatch-weighted sampling: with one sample it is exactly log N', () => {
    const mi = new MIPenalty({ weight: 10, dataset_size: 6680 });
    const out = { f: tf.tensor2d([[0.3, -1]]), f_mu: tf.tensor2d([[0, 0]]), f_logvar: tf.tensor2d([[0, 1]]), z: tf.tensor3d([[[0.2], [0.1]]]), z_mu: tf.zeros([1, 2, 1]), z_logvar: tf.zeros([1, 2, 1]) };
    const r = mi.compute({}, out);
    expect(val(r.terms.mi)).toBeCloseTo(Math.log(6680), 4);
    expect(val(r.total)).toBeCloseTo(10 * Math.log(6680), 3);
  });

  it('static consistency: zero when the shuffled code matches and others are ≥ margin away', () => {
    const scc = new StaticConsistency({ weight: 100, margin: 1 });
    const f = tf.tensor2d([[0, 0], [3, 0]]);
    expect(val(scc.compute({}, { f_mu: f, f_shuffled_mu: f }).terms.scc)).toBe(0);
    // Positive distance 1 (squared), negative 9: max(0, 1 − 9 + 1) = 0; positive 16: max(0, 16 − 9 + 1) = 8.
    const r = scc.compute({}, { f_mu: f, f_shuffled_mu: tf.tensor2d([[4, 0], [3, 0]]) });
    expect(val(r.terms.scc)).toBeCloseTo(4, 6);
    expect(val(r.total)).toBeCloseTo(400, 4);
  });

  it('cross-entropy of uniform logits is ln C per head; accuracy of the argmax', () => {
    const ce = new CrossEntropy();
    const r = ce.compute({ static: tf.tensor2d([[1], [2]], [2, 1], 'int32'), dynamic: tf.tensor3d([[[0], [1]], [[1], [1]]], [2, 2, 1], 'int32') },
      { logits_static_0: tf.zeros([2, 6]), logits_dynamic_0: tf.tensor3d([[[5, 0], [5, 0]], [[0, 5], [0, 5]]]) });
    expect(val(r.terms.ce_static_0)).toBeCloseTo(Math.log(6), 6);
    expect(val(r.terms.acc_dynamic_0)).toBeCloseTo(0.75, 6);
  });
});

describe('evaluation scores on known inputs', () => {
  it('EER from hand-made score lists', () => {
    expect(equalErrorRate([0.9, 0.8, 0.7], [0.1, 0.2, 0.3])).toBe(0);
    expect(equalErrorRate([0.1, 0.2], [0.8, 0.9])).toBe(1);
    // One non-target (0.75) above one target (0.7): at threshold 0.75 FAR = FRR = 1/3.
    expect(equalErrorRate([0.9, 0.8, 0.7], [0.1, 0.2, 0.75])).toBeCloseTo(1 / 3, 12);
    // Unequal counts: targets 4, non-targets 2; ROC (0,1)→(0,.75)→(0,.5)→(.5,.5)… crossing at 0.5.
    expect(equalErrorRate([0.9, 0.8, 0.4, 0.3], [0.5, 0.2])).toBeCloseTo(0.5, 12);
    // All scores tied: the ROC is the diagonal from (0,1) to (1,0), EER 0.5.
    expect(equalErrorRate([1, 1], [1, 1, 1])).toBeCloseTo(0.5, 12);
  });

  it('IS, H(y|x), H(y): confident and balanced → C, 0, ln C; constant predictions → 1, H, H(p)', () => {
    const c = 9, n = 18;
    const conf = new Float32Array(n * c);
    for (let i = 0; i < n; i++) conf[i * c + (i % c)] = 1;
    const a = entropyScores(conf, n, c);
    expect(a.is).toBeCloseTo(9, 5);
    expect(a.hYx).toBeCloseTo(0, 6);
    expect(a.hY).toBeCloseTo(Math.log(9), 5);
    const same = new Float32Array(n * c).fill(1 / c);
    const b = entropyScores(same, n, c);
    expect(b.is).toBeCloseTo(1, 5);
    expect(b.hYx).toBeCloseTo(Math.log(9), 5);
  });
});
