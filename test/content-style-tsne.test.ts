import { describe, expect, it } from 'vitest';
import { conditionalP, rowPerplexity, squaredDistances, tsne } from '../components/metrics/content-style/tsne.ts';
import { precisionRecallAtK } from '../components/metrics/content-style/retrieval.ts';
import { Rng } from '../framework/util/rng.ts';

function clusters(perCluster: number, k: number, d: number, rng: Rng): { x: Float32Array; y: Int32Array } {
  const n = perCluster * k, x = new Float32Array(n * d), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let t = 0; t < d; t++) x[i * d + t] = (t === y[i] ? 20 : 0) + rng.normal();
  }
  return { x, y };
}

describe('exact t-SNE', () => {
  it('each conditional row has the target perplexity', () => {
    const { x } = clusters(20, 3, 5, new Rng(1));
    const P = conditionalP(squaredDistances(x, 60, 5), 60, 10);
    for (const i of [0, 17, 59]) {
      expect(rowPerplexity(P, 60, i)).toBeCloseTo(10, 3);
      expect(P.subarray(i * 60, i * 60 + 60).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('well separated clusters stay separated, and KL falls', () => {
    const { x, y } = clusters(25, 3, 6, new Rng(2));
    const r = tsne(x, 75, 6, new Rng(3), { perplexity: 15, iterations: 400, exaggerationIterations: 100 });
    const nn = precisionRecallAtK(Float32Array.from(r.embedding), 2, y, [5], 'v2026');
    expect(nn.precision[0]).toBe(1);
    // After early exaggeration ends, KL(P‖Q) keeps decreasing.
    expect(r.kl[399]).toBeLessThan(r.kl[100]);
    expect(r.kl[399]).toBeLessThan(r.kl[0]);
    expect(r.kl.every(Number.isFinite)).toBe(true);
  });
});
