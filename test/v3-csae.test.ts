import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { CSAE, type CSAEParams } from '../components/models/v3/csae.ts';
import { V3Loss } from '../components/losses/v3/v3-loss.ts';
import { Rng } from '../framework/util/rng.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

const P: CSAEParams = {
  n_channels: 8, min_width: 4, n_fragments: 3, fragment_len: 16, n_feature: 8, in_channels: 3, d_emb_c: 4, d_emb_s: 5,
  n_atoms: 4, threshold_ema_dead_code: 0, vq_ema_decay: 0.98, freeze_codebook: false, strides: 'both', stages: 2, kernel: 5, decoder_style: 'fragment',
};
const ctx = { step: 0, training: true, rng: new Rng(3) };

describe('CSAE', () => {
  it('widths: n_channels/2^stages … n_channels, clamped at min_width', () => {
    expect(new CSAE({ ...P, n_channels: 8, stages: 2 }, new Rng(0)).stageWidths).toEqual([4, 4, 8]);
    expect(new CSAE({ ...P, n_channels: 256, stages: 4, fragment_len: 48, n_feature: 32 }, new Rng(0)).stageWidths).toEqual([16, 32, 64, 128, 256]);
  });

  it('encodes fragments independently into content (quantised) and style codes, and reconstructs the input shape', () => {
    const m = new CSAE(P, new Rng(1));
    const x = tf.randomUniform([2, 3, 16, 8, 3], -1, 1, 'float32', 5);
    const o = m.forward({ x }, ctx);
    expect(o.recon.shape).toEqual([2, 3, 16, 8, 3]);
    expect(o.content.shape).toEqual([2, 3, 4]);
    expect(o.style.shape).toEqual([2, 3, 5]);
    const codes = m.encodeFragments(x);
    expect(codes.atoms.shape).toEqual([2, 3]);
    // The quantised content is the codebook row of each fragment's atom.
    const cb = m.codebook().arraySync();
    const a = codes.atoms.arraySync() as number[][];
    const q = codes.contentQuantized.arraySync() as number[][][];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) q[i][j].forEach((v, k) => expect(v).toBeCloseTo(cb[a[i][j]][k], 5));
    // Per-fragment encoding: a fragment's eval-mode codes do not depend on the other fragments of its sample.
    const x2 = tf.concat([tf.slice(x, [0, 0], [2, 1]), tf.zerosLike(tf.slice(x, [0, 1], [2, 2]))], 1);
    const c1 = codes.content.arraySync() as number[][][];
    const c2 = m.encodeFragments(x2).content.arraySync() as number[][][];
    c1[0][0].forEach((v, k) => expect(c2[0][0][k]).toBeCloseTo(v, 4));
  });

  it('the decoder applies GELU after its first linear (the upstream act(linear_0(·))): pre-activations of −6 and −60 decode alike', () => {
    const m = new CSAE(P, new Rng(2));
    const fc = (m as unknown as { decFc: { weight: tf.Variable; bias: tf.Variable } }).decFc;
    fc.weight.assign(tf.zerosLike(fc.weight));
    const cq = tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D, s = tf.randomNormal([6, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
    const decodeAt = (b: number) => { fc.bias.assign(tf.fill(fc.bias.shape, b)); return m.decode(cq, s, 2).dataSync(); };
    // GELU(−6) = −6·Φ(−6) ≈ −5.9e−9 and GELU(−60) = 0: the same hidden state; without the GELU they differ by 54.
    const a = decodeAt(-6), b = decodeAt(-60);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    // A positive pre-activation passes (GELU(6) ≈ 6): the picture changes.
    const c = decodeAt(6);
    expect(c.some((v, i) => Math.abs(v - a[i]) > 1e-3)).toBe(true);
  });

  it('the audio variant strides only along the width (frequency)', () => {
    const m = new CSAE({ ...P, strides: 'frequency', fragment_len: 4, n_feature: 16, in_channels: 1 }, new Rng(2));
    const o = m.forward({ x: tf.zeros([2, 3, 4, 16, 1]) }, ctx);
    expect(o.recon.shape).toEqual([2, 3, 4, 16, 1]);
  });

  it('a frozen codebook keeps its codes through training steps; an unfrozen one moves', () => {
    const x = tf.randomUniform([2, 3, 16, 8, 3], -1, 1, 'float32', 9);
    for (const freeze of [true, false]) {
      const m = new CSAE({ ...P, freeze_codebook: freeze }, new Rng(4));
      const before = m.codebook().dataSync().slice();
      m.forward({ x }, ctx);
      m.afterStep();
      const after = m.codebook().dataSync();
      const moved = before.some((v, i) => Math.abs(v - after[i]) > 1e-7);
      expect(moved).toBe(!freeze);
    }
  });

  it('setCodebookFrozen (few-shot OOD): frozen codes stay put and leave trainableVariables; thawing restores both', () => {
    const x = tf.randomUniform([2, 3, 16, 8, 3], -1, 1, 'float32', 9);
    const m = new CSAE(P, new Rng(4));
    const all = m.trainableVariables().length;
    m.setCodebookFrozen(true);
    expect(m.trainableVariables().length).toBe(all);  // EMA codebook: never trainable by gradients
    expect([...m.namedTrainableVariables().keys()].some((k) => k.startsWith('quantize.'))).toBe(false);
    const before = m.codebook().dataSync().slice();
    m.forward({ x }, ctx);
    m.afterStep();
    expect(Array.from(m.codebook().dataSync())).toEqual(Array.from(before));
    m.setCodebookFrozen(false);
    m.forward({ x }, ctx);
    m.afterStep();
    expect(Array.from(m.codebook().dataSync()).some((v, i) => Math.abs(v - before[i]) > 1e-7)).toBe(true);
  });

  it("decoder_style: the decoder sees each fragment's style (upstream) or its sample's mean style; the loss outputs keep every fragment's own", () => {
    const x = tf.randomUniform([2, 3, 16, 8, 3], -1, 1, 'float32', 11);
    for (const mode of ['fragment', 'sample_mean'] as const) {
      const m = new CSAE({ ...P, decoder_style: mode }, new Rng(8));
      m.eval();
      const o = m.forward({ x }, { ...ctx, training: false });
      const codes = m.encodeFragments(x);
      const cq = tf.reshape(codes.contentQuantized, [6, 4]) as tf.Tensor2D;
      const s = codes.style.arraySync() as number[][][];
      // the mean over each sample's 3 fragments, computed by hand
      const mean = s.map((frags) => frags.map(() => frags[0].map((_, k) => (frags[0][k] + frags[1][k] + frags[2][k]) / 3)));
      const own = m.decode(cq, tf.tensor2d(s.flat()), 2), pooled = m.decode(cq, tf.tensor2d(mean.flat()), 2);
      const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      expect(diff(o.recon, mode === 'fragment' ? own : pooled)).toBeLessThan(1e-5);
      expect(diff(own, pooled)).toBeGreaterThan(1e-4);
      expect(diff(o.style, codes.style)).toBeLessThan(1e-5);
    }
  });

  it('a training step of CSAE + V3 loss has finite gradients for every variable', () => {
    const m = new CSAE(P, new Rng(6));
    const loss = new V3Loss({ weights: { recon_loss: 1, content_loss: 1, style_loss: 1, sample_loss: 1, fragment_loss: 1, commit_loss: 0.1 }, relativity: 15, supersample_content: false, widen_style: 0 });
    const x = tf.randomUniform([2, 3, 16, 8, 3], -1, 1, 'float32', 7);
    const vars = m.trainableVariables();
    const { value, grads } = tf.variableGrads(() => loss.compute({ x }, m.forward({ x }, ctx), ctx).total, vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const g of Object.values(grads)) for (const v of g.dataSync()) expect(Number.isFinite(v)).toBe(true);
  });
});
