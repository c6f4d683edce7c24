import { describe, expect, it } from 'vitest';
import { completenessScore, disentanglementScore } from '../components/metrics/dci.ts';
import { majorityClassifier, voteAccuracy } from '../components/metrics/factor-vae.ts';
import { computeMig } from '../components/metrics/mig.ts';
import { columnMeanStd, modularityFromMi } from '../components/metrics/modularity-explicitness.ts';
import { averageTopTwoGap } from '../components/metrics/sap-score.ts';
import { gaussianTotalCorrelation, gaussianWassersteinCorrelation } from '../components/metrics/unsupervised-metrics.ts';

describe('DCI scores from an importance matrix (d × f)', () => {
  it('one code per factor: disentanglement and completeness 1', () => {
    const r = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(disentanglementScore(r, 3, 3)).toBeCloseTo(1, 8);
    expect(completenessScore(r, 3, 3)).toBeCloseTo(1, 8);
  });

  it('uniform importances: both 0', () => {
    const r = new Float64Array(6).fill(0.3);
    expect(disentanglementScore(r, 3, 2)).toBeCloseTo(0, 12);
    expect(completenessScore(r, 3, 2)).toBeCloseTo(0, 12);
  });

  it('a factor captured by two copies: completeness 1 − ½·ln2/ln3, disentanglement 1', () => {
    // codes 0 and 1 copy factor 0 (half the importance each), code 2 holds factor 1
    const r = Float64Array.from([0.5, 0, 0.5, 0, 0, 1]);
    // factor 0: 1 − H(½,½,0)/ln 3; factor 1: 1; each factor's weight is ½
    expect(completenessScore(r, 3, 2)).toBeCloseTo(1 - (0.5 * Math.LN2) / Math.log(3), 8);
    expect(disentanglementScore(r, 3, 2)).toBeCloseTo(1, 8);
  });

  it('all-zero importances: the library weights codes uniformly and scores 0', () => {
    expect(disentanglementScore(new Float64Array(4), 2, 2)).toBeCloseTo(0, 12);
    expect(completenessScore(new Float64Array(4), 2, 2)).toBeCloseTo(0, 12);
  });
});

describe('SAP, modularity and FactorVAE voting on hand-made inputs', () => {
  it('SAP averages the gap between the two best codes of each factor', () => {
    const s = Float64Array.from([0.9, 0.2, 0.3, 0.8, 0.1, 0.1]); // 3 codes × 2 factors
    expect(averageTopTwoGap(s, 3, 2)).toBeCloseTo(0.6, 14);
  });

  it('modularity: 1 for a code informative about one factor, 0 for equal information or none', () => {
    // f = 2; rows: [1,0] → 1, [1,1] → 0, [0,0] → 0, [2,1] → 1 − (5 − 4)/(4·1) = 0.75
    const mi = Float64Array.from([1, 0, 1, 1, 0, 0, 2, 1]);
    expect(modularityFromMi(mi, 4, 2)).toBeCloseTo((1 + 0 + 0 + 0.75) / 4, 14);
  });

  it('majority vote picks each dim’s most-voted factor, accuracy is its share of all votes', () => {
    // 2 factors × 3 active dims
    const votes = Int32Array.from([5, 1, 0, 2, 4, 0]);
    const cls = majorityClassifier(votes, 2, 3);
    expect(Array.from(cls)).toEqual([0, 1, 0]); // dim 2 has no votes: first factor, contributes 0
    expect(voteAccuracy(votes, cls, 3)).toBeCloseTo(9 / 12, 14);
  });

  it('explicitness standardises with the population std (np.std, ddof 0)', () => {
    const { mean, std } = columnMeanStd([1, 3], 2, 1);
    expect(mean[0]).toBe(2);
    expect(std[0]).toBe(1);
  });
});

describe('MIG on constructed codes', () => {
  it('is exactly 1 − (second best MI)/H when one code equals each factor and the others are constant', () => {
    const n = 400;
    const factors = new Int32Array(n * 2);
    const codes = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      factors[i * 2] = i % 4;
      factors[i * 2 + 1] = Math.floor(i / 4) % 5;
      codes[i * 3] = factors[i * 2];
      codes[i * 3 + 1] = factors[i * 2 + 1];
      codes[i * 3 + 2] = 0.5; // constant code: zero MI with everything
    }
    // codes 0/1 are bijections of factors 0/1 (at most 20 levels), and factors are independent here
    expect(computeMig(codes, factors, n, 3, 2, 20).discrete_mig).toBeCloseTo(1, 12);
  });
});

describe('Gaussian unsupervised scores (closed forms)', () => {
  it('total correlation of a bivariate Gaussian with correlation ρ is −½ ln(1 − ρ²)', () => {
    for (const rho of [0, 0.3, -0.8]) {
      expect(gaussianTotalCorrelation(Float64Array.from([1, rho, rho, 1]), 2)).toBeCloseTo(-0.5 * Math.log(1 - rho * rho), 12);
    }
    // scale-free: variances 4 and 9
    expect(gaussianTotalCorrelation(Float64Array.from([4, 0.5 * 6, 0.5 * 6, 9]), 2)).toBeCloseTo(-0.5 * Math.log(0.75), 12);
  });

  it('Wasserstein correlation: 2 tr Σ − 2 tr sqrtm(Σ·diag Σ) with hand-solved eigenvalues', () => {
    const rho = 0.6;
    // Σ = [[1,ρ],[ρ,1]]: sqrtm has trace √(1+ρ) + √(1−ρ)
    expect(gaussianWassersteinCorrelation(Float64Array.from([1, rho, rho, 1]), 2))
      .toBeCloseTo(4 - 2 * (Math.sqrt(1 + rho) + Math.sqrt(1 - rho)), 12);
    // Σ = [[4, 2ρ],[2ρ, 1]]: D^½ΣD^½ = [[16, 4ρ],[4ρ, 1]], eigenvalues (17 ± √(225 + 64ρ²))/2
    const disc = Math.sqrt(225 + 64 * rho * rho);
    const tr = Math.sqrt((17 + disc) / 2) + Math.sqrt((17 - disc) / 2);
    expect(gaussianWassersteinCorrelation(Float64Array.from([4, 2 * rho, 2 * rho, 1]), 2)).toBeCloseTo(2 * 5 - 2 * tr, 12);
    // independent dims: 0
    expect(gaussianWassersteinCorrelation(Float64Array.from([4, 0, 0, 1]), 2)).toBeCloseTo(0, 12);
  });
});
