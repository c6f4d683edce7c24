import { describe, expect, it } from 'vitest';
import { LinearSvc1d } from '../components/metrics/classifiers/linear-svc-1d.ts';
import { LogisticRegression } from '../components/metrics/classifiers/logistic-regression.ts';
import { minimizeLbfgs } from '../components/metrics/classifiers/lbfgs.ts';
import { macroOvrAuc, rocAuc } from '../components/metrics/classifiers/roc-auc.ts';
import { Rng } from '../framework/util/rng.ts';

describe('L-BFGS', () => {
  it('minimises a convex quadratic to its closed-form minimum', () => {
    // f = ½ xᵀAx − bᵀx with A = [[3,1],[1,2]], b = [1,1] → x* = A⁻¹b = [0.2, 0.4]
    const res = minimizeLbfgs((x, g) => {
      g[0] = 3 * x[0] + x[1] - 1;
      g[1] = x[0] + 2 * x[1] - 1;
      return 0.5 * (3 * x[0] * x[0] + 2 * x[0] * x[1] + 2 * x[1] * x[1]) - x[0] - x[1];
    }, new Float64Array(2), { gtol: 1e-10, ftol: 0 });
    expect(res.x[0]).toBeCloseTo(0.2, 8);
    expect(res.x[1]).toBeCloseTo(0.4, 8);
  });
});

describe('logistic regression (sklearn LogisticRegression defaults)', () => {
  it('with an uninformative feature predicts the class frequencies (unpenalised intercept)', () => {
    const n = 10;
    const x = new Float64Array(n); // all-zero feature
    const y = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1];
    const bin = new LogisticRegression({ tol: 1e-10 }).fit(x, n, 1, y);
    const pb = bin.predictProba(x, n);
    expect(pb[0]).toBeCloseTo(0.7, 6);
    expect(pb[1]).toBeCloseTo(0.3, 6);
    const multi = new LogisticRegression({ tol: 1e-10 }).fit(x, n, 1, [0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    const pm = multi.predictProba(x, n);
    expect([pm[0], pm[1], pm[2]]).toEqual([expect.closeTo(0.5, 6), expect.closeTo(0.3, 6), expect.closeTo(0.2, 6)]);
  });

  it('satisfies the optimality condition mean((p − y)x) + w/(C n) = 0', () => {
    const rng = new Rng(1);
    const n = 200;
    const d = 2;
    const x = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) x[i] = rng.normal();
    const y = Array.from({ length: n }, (_, i) => (x[i * d] + 0.5 * rng.normal() > 0 ? 1 : 0));
    const m = new LogisticRegression({ tol: 1e-9, maxIter: 500 }).fit(x, n, d, y);
    const p = m.predictProba(x, n);
    const w = [m.coef[3], m.coef[4]]; // class-1 row: weights then intercept at index 5
    for (let j = 0; j < d; j++) {
      let g = 0;
      for (let i = 0; i < n; i++) g += (p[i * 2 + 1] - y[i]) * x[i * d + j];
      expect(g / n + w[j] / n).toBeCloseTo(0, 7);
    }
    let gb = 0;
    for (let i = 0; i < n; i++) gb += p[i * 2 + 1] - y[i];
    expect(gb / n).toBeCloseTo(0, 7);
    expect(m.coef.slice(0, 3).every((v) => v === 0)).toBe(true); // class 0 pinned at zero
  });

  it('classifies separable multiclass data', () => {
    const x = Float64Array.from([0, 0.1, 1, 1.1, 2, 2.1]);
    const y = [5, 5, 6, 6, 7, 7];
    const m = new LogisticRegression().fit(x, 6, 1, y);
    expect(Array.from(m.predict(x, 6))).toEqual(y);
  });
});

describe('ROC-AUC (sklearn roc_auc_score)', () => {
  it('matches the sklearn documentation example and counts ties as one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 4)).toBeCloseTo(0.75, 14);
    expect(rocAuc([0.5, 0.5], [0, 1], 2)).toBe(0.5);
    expect(rocAuc([1, 2], [1, 1], 2)).toBeNaN();
  });

  it('macro-averages one-vs-rest columns', () => {
    // perfect column for class 0, reversed column for class 1
    const proba = Float64Array.from([0.9, 0.1, 0.8, 0.2, 0.1, 0.9, 0.2, 0.8].map((v, i) => (i % 2 === 1 ? 1 - v : v)));
    // column 0 ranks class-0 rows first (AUC 1); column 1 equals column 0 (AUC 0 for class 1)
    expect(macroOvrAuc(proba, 4, Int32Array.from([0, 1]), [0, 0, 1, 1])).toBeCloseTo(0.5, 14);
  });
});

describe('one-feature LinearSVC (C = 0.01, balanced)', () => {
  it('matches the hand-solved symmetric problem w = 4C/(1+4C), b = 0', () => {
    // x = −1 (class 0), +1 (class 1), weights 1: f = ½(w² + b²) + C(1 − w + b)² + C(1 − w − b)²
    const svc = new LinearSvc1d(0.01).fit([-1, 1], [0, 1], 2);
    const [w, b] = svc.weights[0];
    expect(w).toBeCloseTo(0.04 / 1.04, 12);
    expect(b).toBeCloseTo(0, 12);
    expect(Array.from(svc.predict([-3, -0.1, 0.1, 3], 4))).toEqual([0, 0, 1, 1]);
  });

  it('weights classes by n / (K n_k) in the binary problem', () => {
    // one sample of class 1 at x=1 and three of class 0 at x=−1: weights 2 and 2/3, so
    // f = ½(w²+b²) + 3·(2/3)C(1 − w + b)² + 2C(1 − w − b)², symmetric in the two sides → b = 0,
    // then ½w² + 4C(1 − w)² is minimal at w = 8C/(1 + 8C); unweighted, b would not vanish
    const svc = new LinearSvc1d(0.01).fit([-1, -1, -1, 1], [0, 0, 0, 1], 4);
    const [w, b] = svc.weights[0];
    expect(b).toBeCloseTo(0, 12);
    expect(w).toBeCloseTo(0.08 / 1.08, 12);
  });

  it('uses one-vs-rest with arg-max for several classes', () => {
    const x = [-2, -2.1, 0, 0.1, 2, 2.1];
    const svc = new LinearSvc1d(10).fit(x, [0, 0, 1, 1, 2, 2], 6);
    expect(svc.weights.length).toBe(3);
    const pred = svc.predict([-2, 2], 2);
    expect(Array.from(pred)).toEqual([0, 2]);
  });
});
