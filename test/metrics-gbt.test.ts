import { describe, expect, it } from 'vitest';
import { GradientBoostingClassifier, GBT_DEFAULTS } from '../components/metrics/gbt/index.ts';
import { Rng } from '../framework/util/rng.ts';

/** Row-major float32 matrix from rows. */
const mat = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());

describe('gradient boosting (sklearn GradientBoostingClassifier semantics)', () => {
  it('has sklearn defaults: 100 stages, lr 0.1, depth 3', () => {
    expect(GBT_DEFAULTS).toEqual({ nEstimators: 100, learningRate: 0.1, maxDepth: 3, minSamplesSplit: 2, minSamplesLeaf: 1 });
  });

  it('starts from the prior log-odds (binary) and log prior (multiclass)', () => {
    const x = mat([[0], [1], [2], [3], [4], [5], [6], [7], [8], [9]]);
    const bin = new GradientBoostingClassifier({ nEstimators: 1 }, new Rng(0)).fit(x, 10, 1, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(bin.initRaw[0]).toBeCloseTo(Math.log(0.3 / 0.7), 14);
    const multi = new GradientBoostingClassifier({ nEstimators: 1 }, new Rng(0)).fit(x, 10, 1, [0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    expect(Array.from(multi.initRaw)).toEqual([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
  });

  it('splits a perfectly separable feature at the midpoint and puts all importance on it', () => {
    // feature 0 separates the classes at 3.5; feature 1 is noise the tree never needs
    const x = mat([[1, 0.3], [2, 0.9], [3, 0.1], [4, 0.7], [5, 0.2], [6, 0.8]]);
    const y = [0, 0, 0, 1, 1, 1];
    const m = new GradientBoostingClassifier({ nEstimators: 1 }, new Rng(0)).fit(x, 6, 2, y);
    const tree = m.stages[0][0];
    expect(tree.nodeCount).toBe(3); // pure children have zero impurity and stay leaves
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBe(3.5);
    expect(Array.from(m.featureImportances())).toEqual([1, 0]);
    // Newton leaf value with prior p = 0.5: Σ(y − p) / Σ p(1 − p) = (3 · 0.5) / (3 · 0.25) = 2
    const raw = m.decisionFunction(x, 6);
    expect(raw[0]).toBeCloseTo(-0.2, 14);
    expect(raw[5]).toBeCloseTo(0.2, 14);
    expect(Array.from(m.predict(x, 6))).toEqual(y);
  });

  it('shrinks multinomial Newton steps by (K−1)/K', () => {
    // three separable classes, uniform prior 1/3: in a pure leaf of class k, tree k gets
    // (2/3)·Σ(2/3)/Σ(2/9) = 2 and the other trees (2/3)·Σ(−1/3)/Σ(2/9) = −1
    const x = mat([[0], [1], [2], [3], [4], [5], [6], [7], [8]]);
    const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const m = new GradientBoostingClassifier({ nEstimators: 1 }, new Rng(0)).fit(x, 9, 1, y);
    const raw = m.decisionFunction(x, 9);
    const base = Math.log(1 / 3);
    for (let i = 0; i < 9; i++) {
      for (let k = 0; k < 3; k++) expect(raw[i * 3 + k]).toBeCloseTo(base + 0.1 * (k === y[i] ? 2 : -1), 12);
    }
    expect(Array.from(m.predict(x, 9))).toEqual(y);
  });

  it('keeps original labels and returns importances that are non-negative and sum to 1', () => {
    const rng = new Rng(5);
    const n = 600;
    const x = new Float32Array(n * 3);
    rng.fillNormal(x);
    const y = Array.from({ length: n }, (_, i) => (x[i * 3] + 0.3 * x[i * 3 + 1] > 0 ? 7 : 3));
    const m = new GradientBoostingClassifier({ nEstimators: 30 }, new Rng(1)).fit(x, n, 3, y);
    const imp = m.featureImportances();
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.min(...imp)).toBeGreaterThanOrEqual(0);
    expect(imp[0]).toBeGreaterThan(imp[1]);
    expect(imp[1]).toBeGreaterThan(imp[2]);
    expect(new Set(m.predict(x, n))).toEqual(new Set([3, 7]));
  });

  it('splits importance between two identical copies of a feature (random visiting order)', () => {
    const n = 400;
    const x = new Float32Array(n * 2);
    const y: number[] = [];
    const rng = new Rng(2);
    for (let i = 0; i < n; i++) {
      const v = rng.int(4);
      x[i * 2] = v;
      x[i * 2 + 1] = v;
      y.push(rng.uniform() < 0.8 ? v : rng.int(4));
    }
    const imp = new GradientBoostingClassifier({}, new Rng(3)).fit(x, n, 2, y).featureImportances();
    expect(imp[0] + imp[1]).toBeCloseTo(1, 12);
    expect(imp[0]).toBeGreaterThan(0.3);
    expect(imp[1]).toBeGreaterThan(0.3);
  });

  it('is deterministic for a given Rng seed', () => {
    const rng = new Rng(9);
    const x = new Float32Array(300 * 2);
    rng.fillNormal(x);
    const y = Array.from({ length: 300 }, (_, i) => (x[i * 2] > 0 ? 1 : 0) + (x[i * 2 + 1] > 0.5 ? 1 : 0));
    const a = new GradientBoostingClassifier({ nEstimators: 20 }, new Rng(4)).fit(x, 300, 2, y);
    const b = new GradientBoostingClassifier({ nEstimators: 20 }, new Rng(4)).fit(x, 300, 2, y);
    expect(Array.from(a.featureImportances())).toEqual(Array.from(b.featureImportances()));
    expect(Array.from(a.decisionFunction(x, 300))).toEqual(Array.from(b.decisionFunction(x, 300)));
  });

  it('refuses a single class', () => {
    expect(() => new GradientBoostingClassifier({}, new Rng(0)).fit(mat([[0], [1]]), 2, 1, [4, 4])).toThrow(/two classes/);
  });
});
