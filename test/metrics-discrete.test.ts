import { describe, expect, it } from 'vitest';
import { discreteEntropy, discreteMutualInfo, histogramDiscretize, mutualInfoScore } from '../components/metrics/discrete.ts';
import { covariance, symmetricEigenvalues } from '../components/metrics/linalg.ts';
import { encodeLabels } from '../components/metrics/labels.ts';

const mi = (a: number[], b: number[]): number => mutualInfoScore(a, 1, 0, b, 1, 0, a.length);

describe('histogram discretisation (np.digitize over np.histogram edges)', () => {
  it('labels 0..10 into 5 equal-width bins with edges 0,2,4,6,8 (max in the last bin)', () => {
    const v = Array.from({ length: 11 }, (_, i) => i);
    expect(Array.from(histogramDiscretize(v, 11, 1, 5))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5]);
  });

  it('widens a constant column to min−0.5..max+0.5 as numpy does (value falls in the middle bin)', () => {
    expect(Array.from(histogramDiscretize([5, 5, 5], 3, 1, 5))).toEqual([3, 3, 3]);
  });

  it('bins each column of a row-major matrix independently', () => {
    // column 0 spans 0..1, column 1 spans 0..100: 2 bins each
    const m = [0, 100, 0.4, 0, 1, 60];
    expect(Array.from(histogramDiscretize(m, 3, 2, 2))).toEqual([1, 2, 1, 1, 2, 2]);
  });
});

describe('discrete mutual information (sklearn mutual_info_score semantics)', () => {
  it('identical balanced binary labels share ln 2 nats', () => {
    expect(mi([0, 0, 1, 1], [0, 0, 1, 1])).toBeCloseTo(Math.LN2, 14);
  });

  it('independent labels share nothing', () => {
    expect(mi([0, 1, 0, 1], [0, 0, 1, 1])).toBeCloseTo(0, 14);
  });

  it('matches the hand-computed contingency sum for a skewed table', () => {
    // joint counts (0,0)=2, (0,1)=1, (1,1)=1 of N=4; marginals a: 3,1  b: 2,2
    const expected = 0.5 * Math.log((2 * 4) / (3 * 2)) + 0.25 * Math.log((1 * 4) / (3 * 2)) + 0.25 * Math.log((1 * 4) / (1 * 2));
    expect(mi([0, 0, 0, 1], [0, 0, 1, 1])).toBeCloseTo(expected, 14);
  });

  it('is 0 when a column holds a single label, and invariant to relabelling', () => {
    expect(mi([3, 3, 3], [0, 1, 2])).toBe(0);
    expect(mi([7, 7, 9, 9, 8], [1, 1, 0, 0, 2])).toBeCloseTo(mi([0, 0, 1, 1, 2], [0, 0, 1, 1, 2]), 14);
  });

  it('entropy is MI of a factor with itself: ln K for a uniform factor', () => {
    const ys = [0, 1, 2, 3, 0, 1, 2, 3];
    expect(discreteEntropy(ys, 1, 8)[0]).toBeCloseTo(Math.log(4), 14);
  });

  it('builds the codes × factors matrix in row-major [code][factor] order', () => {
    const codes = Int32Array.from([0, 5, 0, 6, 1, 5, 1, 6]); // 4 × 2; code 0 = factor 0, code 1 = factor 1
    const factors = [0, 0, 0, 1, 1, 0, 1, 1]; // 4 × 2
    const m = discreteMutualInfo(codes, 2, factors, 2, 4);
    expect(m[0]).toBeCloseTo(Math.LN2, 14); // code 0 vs factor 0
    expect(m[1]).toBeCloseTo(0, 14); // code 0 vs factor 1
    expect(m[2]).toBeCloseTo(0, 14);
    expect(m[3]).toBeCloseTo(Math.LN2, 14);
  });
});

describe('small linear algebra', () => {
  it('Jacobi eigenvalues match closed forms', () => {
    expect(Array.from(symmetricEigenvalues([2, 1, 1, 2], 2))).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
    const ev = symmetricEigenvalues([2, -1, 0, -1, 2, -1, 0, -1, 2], 3);
    expect(ev[0]).toBeCloseTo(2 - Math.SQRT2, 12);
    expect(ev[1]).toBeCloseTo(2, 12);
    expect(ev[2]).toBeCloseTo(2 + Math.SQRT2, 12);
  });

  it('covariance uses ddof 1 (np.cov)', () => {
    const c = covariance([1, 2, 3, 6], 2, 2); // rows (1,2), (3,6)
    expect(Array.from(c)).toEqual([2, 4, 4, 8]);
  });

  it('label encoding sorts classes like sklearn LabelEncoder', () => {
    const { classes, index } = encodeLabels([5, 2, 9, 2], 4);
    expect(Array.from(classes)).toEqual([2, 5, 9]);
    expect(Array.from(index)).toEqual([1, 0, 2, 0]);
  });
});
