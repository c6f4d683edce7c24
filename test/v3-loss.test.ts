import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv } from 'ajv';
import { V3Loss, v3LossSpec, v3Statistics, v3Terms, type V3LossParams } from '../components/losses/v3/v3-loss.ts';
import { meanPairwiseDistance, nearSquareRows, widenStyle } from '../components/losses/v3/variability.ts';
import { Rng } from '../framework/util/rng.ts';
import { selectBackend } from '../framework/backends/select.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

const ctx = { step: 0, training: true, rng: new Rng(1) };
const W = { recon_loss: 1, content_loss: 1, style_loss: 1, sample_loss: 1, fragment_loss: 1, commit_loss: 0.1 };
const params = (o: Partial<V3LossParams> = {}): V3LossParams => ({ weights: W, relativity: 4, supersample_content: false, widen_style: 0, ...o });
/** [B, n] scalars → [B, n, 1] codes. */
const codes = (rows: number[][]) => tf.tensor3d(rows.map((r) => r.map((v) => [v])));

// Hand-computed case (d = 1, B = 2, n = 3):
// content [0,1,3] / [1,2,6]: fragment mpd 2 and 10/3 → 8/3; sample means 4/3, 3 → 5/3.
// quantised [0,0,3] / [2,2,6]: fragment mpd 2 and 8/3 → 7/3; sample means 1, 10/3 → 7/3.
// → c_frag = (8/3 + 7/3)/2 = 2.5, c_samp = (5/3 + 7/3)/2 = 2.
// style [1,1,2] / [4,4,4] (constant within the second sample): s_frag = (2/3 + 0)/2 = 1/3; s_samp = |4/3 − 4| = 8/3.
// r = 4: content relu(4 − 1.25)/4 = 0.6875; style relu(4 − 8) = 0; sample relu(4 − 4/3)/4 = 2/3; fragment relu(4 − 7.5) = 0.
const content = () => codes([[0, 1, 3], [1, 2, 6]]);
const contentQ = () => codes([[0, 0, 3], [2, 2, 6]]);
const style = () => codes([[1, 1, 2], [4, 4, 4]]);

describe('V3 loss statistics and terms on hand-computed inputs', () => {
  it('mean pairwise distance over i ≠ j', () => {
    // 3-4-5 triangle plus the origin twice: pairs 5, 0, 5 → 10/3; the i = j diagonal does not count.
    expect(meanPairwiseDistance(tf.tensor3d([[[0, 0], [3, 4], [0, 0]]])).dataSync()[0]).toBeCloseTo(10 / 3, 5);
  });

  it('the four statistics and hinges', () => {
    const st = v3Statistics(content(), contentQ(), style(), params());
    expect(st.content_frag.dataSync()[0]).toBeCloseTo(2.5, 5);
    expect(st.content_samp.dataSync()[0]).toBeCloseTo(2, 5);
    expect(st.style_frag.dataSync()[0]).toBeCloseTo(1 / 3, 5);
    expect(st.style_samp.dataSync()[0]).toBeCloseTo(8 / 3, 5);
    const t = v3Terms(st, 4);
    expect(t.content_loss.dataSync()[0]).toBeCloseTo(0.6875, 4);
    expect(t.style_loss.dataSync()[0]).toBe(0);
    expect(t.sample_loss.dataSync()[0]).toBeCloseTo(2 / 3, 4);
    expect(t.fragment_loss.dataSync()[0]).toBe(0);
  });

  it('the total: recon + hinges + 0.1·commitment', () => {
    const outputs = { recon: tf.ones([2, 3, 1, 1, 1]), content: content(), content_q: contentQ(), style: style(), commitment: tf.scalar(0.5) };
    const { total, terms } = new V3Loss(params()).compute({ x: tf.zeros([2, 3, 1, 1, 1]) }, outputs, ctx);
    expect(terms.recon_loss.dataSync()[0]).toBe(1);
    expect(total.dataSync()[0]).toBeCloseTo(1 + 0.6875 + 2 / 3 + 0.05, 4);
  });

  it('degenerate: content identical across samples and style constant within each sample give all hinges 0', () => {
    // c_samp = 0 and s_frag = 0: every ratio is huge, so every hinge is satisfied.
    const c = codes([[0, 3], [0, 3]]);
    const st = v3Statistics(c, c, codes([[1, 1], [5, 5]]), params({ relativity: 2 }));
    expect(st.content_samp.dataSync()[0]).toBeCloseTo(0, 5);
    expect(st.style_frag.dataSync()[0]).toBeCloseTo(0, 5);
    expect(st.content_frag.dataSync()[0]).toBeCloseTo(3, 5);
    expect(st.style_samp.dataSync()[0]).toBeCloseTo(4, 5);
    for (const v of Object.values(v3Terms(st, 2))) expect(v.dataSync()[0]).toBe(0);
  });

  it('degenerate the other way: content constant within samples, style identical across samples give each hinge its maximum 1', () => {
    // c_frag = 0 and s_samp = 0: content, style, sample and fragment ratios are all 0 → relu(r)/r = 1.
    const c = codes([[2, 2], [7, 7]]);
    const st = v3Statistics(c, c, codes([[0, 5], [0, 5]]), params());
    for (const v of Object.values(v3Terms(st, 4))) expect(v.dataSync()[0]).toBeCloseTo(1, 5);
  });

  it('finite gradients at zero distance (naive sqrt gives NaN)', () => {
    const g = tf.grads((c: tf.Tensor, s: tf.Tensor) => {
      const st = v3Statistics(c as tf.Tensor3D, c as tf.Tensor3D, s as tf.Tensor3D, params({ relativity: 2 }));
      return tf.addN(Object.values(v3Terms(st, 1e6))) as tf.Scalar;
    })([codes([[2, 2], [7, 7]]), codes([[0, 5], [0, 5]])]);
    for (const t of g) for (const v of t.dataSync()) expect(Number.isFinite(v)).toBe(true);
    expect(g.some((t) => t.dataSync().some((v) => v !== 0))).toBe(true);
  });

  it('needs B ≥ 2 and n ≥ 2, with a clear error', () => {
    expect(() => v3Statistics(codes([[0, 1]]), codes([[0, 1]]), codes([[0, 1]]), params())).toThrow(/at least 2 samples and 2 fragments/);
    expect(() => v3Statistics(codes([[0], [1]]), codes([[0], [1]]), codes([[0], [1]]), params())).toThrow(/B=2, n=1/);
  });
});

describe('V3 adapted form: the upstream bugs, fixed and pinned', () => {
  it('supersample_content alone works (upstream: UnboundLocalError) and regroups into a near-square grid', () => {
    expect(nearSquareRows(16)).toBe(4);
    expect(nearSquareRows(18)).toBe(3);
    // B = 2, n = 8, values 0…15 → 4 pseudo-samples of 4, means 1.5, 5.5, 9.5, 13.5 → mpd 40/6.
    const c = codes([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]);
    const s = codes([[0, 0, 0, 0, 0, 0, 0, 1], [3, 3, 3, 3, 3, 3, 3, 3]]);
    const st = v3Statistics(c, c, s, params({ supersample_content: true }));
    expect(st.content_samp.dataSync()[0]).toBeCloseTo(20 / 3, 4);
    // Style statistics are those of the plain form: |1/8 − 3| sample variability.
    expect(st.style_samp.dataSync()[0]).toBeCloseTo(3 - 1 / 8, 5);
    // The sample term compares content with style over the same pseudo-samples (upstream
    // style_samp_var_ss): style rows [0 0 0 0] [0 0 0 1] [3 3 3 3] [3 3 3 3], means 0, 1/4, 3, 3,
    // pairwise |Δ| 1/4, 3, 3, 11/4, 11/4, 0 → mpd 47/24.
    expect(st.style_samp_super?.dataSync()[0]).toBeCloseTo(47 / 24, 5);
    const terms = v3Terms(st, 4);
    expect(terms.sample_loss.dataSync()[0]).toBeCloseTo(Math.max(0, 4 - (47 / 24) / (20 / 3 + 1e-5)) / 4, 5);
    expect(v3Statistics(c, c, s, params()).style_samp_super).toBeUndefined();
  });

  it('the commitment term is added in the adapted form too (upstream: never added)', () => {
    const x = tf.zeros([2, 3, 1, 1, 1]);
    const run = (commit: number) => new V3Loss(params({ supersample_content: true, widen_style: 3 })).compute({ x },
      { recon: tf.ones([2, 3, 1, 1, 1]), content: content(), content_q: contentQ(), style: style(), commitment: tf.scalar(commit) }, ctx).total.dataSync()[0];
    expect(run(0.5) - run(0)).toBeCloseTo(0.05, 5);
  });

  it('widen_style: centre once, replicate padding, no wrap-around (upstream: 0…4 → [1.33, .33, 1.33, 2.67, 4, 5, 4])', () => {
    const w = widenStyle(codes([[0, 1, 2, 3, 4]]), 3);
    expect(w.shape).toEqual([1, 5, 1]);
    const v = Array.from(w.dataSync());
    [1 / 3, 1, 2, 3, 11 / 3].forEach((e, i) => expect(v[i]).toBeCloseTo(e, 5));
    expect(() => widenStyle(codes([[0, 1]]), 2)).toThrow(/odd/);
  });

  it('schema: weights default to the upstream values and misspelt keys are rejected', () => {
    const ajv = new Ajv({ useDefaults: true, strict: false });
    const validate = ajv.compile(v3LossSpec.schema);
    const p: Record<string, unknown> = {};
    expect(validate(p)).toBe(true);
    expect(p).toEqual({ weights: W, relativity: 15, supersample_content: false, widen_style: 0 });
    expect(validate({ weights: { vq_commit_loss: 1 } })).toBe(false);
  });
});
