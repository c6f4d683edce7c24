import { spawnSync } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { averagePrecision } from '../components/metrics/classifiers/average-precision.ts';
import { rocAuc } from '../components/metrics/classifiers/roc-auc.ts';
import { Rng } from '../framework/util/rng.ts';

const hasSklearn = spawnSync('python3', ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;

describe('averagePrecision', () => {
  it('matches hand-computed step sums', () => {
    // sklearn's docstring example: thresholds 0.8 (P 1, R .5), 0.4 (P 1/2, R .5), 0.35 (P 2/3, R 1).
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 4)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
    // A negative ranked first: 0.5·(1/2) + 0.5·(2/3).
    expect(averagePrecision([1, 0.9, 0.8], [0, 1, 1], 3)).toBeCloseTo(0.25 + 1 / 3, 12);
    // Perfect ranking, and every score tied (one threshold: recall 1 at the base rate).
    expect(averagePrecision([3, 2, 1, 0], [1, 1, 0, 0], 4)).toBe(1);
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 1], 4)).toBe(0.5);
    // A tie group enters at once: {0.9: +,−} then {0.1: +} → 0.5·(1/2) + 0.5·(2/3), not 0.5·1 + ….
    expect(averagePrecision([0.9, 0.9, 0.1], [1, 0, 1], 3)).toBeCloseTo(0.25 + 1 / 3, 12);
    expect(averagePrecision([0.2, 0.1], [0, 0], 2)).toBeNaN();
  });

  it.skipIf(!hasSklearn)('agrees with sklearn average_precision_score and roc_auc_score on random data with ties', () => {
    const rng = new Rng(11);
    const cases = Array.from({ length: 20 }, (_, c) => {
      const n = 5 + 7 * c;
      // Rounded scores make ties common; labels correlate with scores so AP is not just the base rate.
      const scores = Array.from({ length: n }, () => Math.round(rng.uniform() * 10) / 10);
      const y = scores.map((s) => (rng.uniform() < 0.2 + 0.6 * s ? 1 : 0));
      if (!y.includes(1)) y[0] = 1;
      if (!y.includes(0)) y[1] = 0;
      return { scores, y };
    });
    const script = 'import json,sys\nfrom sklearn.metrics import average_precision_score as ap, roc_auc_score as auc\n'
      + 'print(json.dumps([[ap(c["y"], c["scores"]), auc(c["y"], c["scores"])] for c in json.load(sys.stdin)]))';
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as [number, number][];
    cases.forEach((c, k) => {
      expect(averagePrecision(c.scores, c.y, c.scores.length)).toBeCloseTo(ref[k][0], 12);
      expect(rocAuc(c.scores, c.y, c.scores.length)).toBeCloseTo(ref[k][1], 12);
    });
  });
});
