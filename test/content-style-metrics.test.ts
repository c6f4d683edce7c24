import { describe, expect, it } from 'vitest';
import { adaptiveKList, areaUnderPr, paperKList, precisionRecallAtK, retrievalCurves } from '../components/metrics/content-style/retrieval.ts';
import { atomAssignments, atomClassAccuracy, codebookPurity, confusionCounts, rowOrder } from '../components/metrics/content-style/codebook.ts';
import { renderHeatmap } from '../framework/util/heatmap.ts';

// Five points on a line; neighbours (and ties) can be counted by hand. Distances from each point:
// 0 → 1:1, 2:10, 3:11, 4:12;  1 → 0:1, 2:9, …;  2 → 3:1, 4:2;  3 → 2:1, 4:1 (tie: index 2 first);  4 → 3:1, 2:2.
const X = new Float32Array([0, 1, 10, 11, 12]);
const Y = new Int32Array([0, 0, 1, 1, 0]);

describe('retrieval precision / recall at k', () => {
  it('v2026 (self excluded): hand-counted neighbours', () => {
    const c = precisionRecallAtK(X, 1, Y, [1, 2], 'v2026');
    // p@1: queries 0,1,2,3 hit, 4 misses; r@1: 1/2, 1/2, 1/1, 1/1, 0.
    expect(c.k).toEqual([1, 2]);
    expect(c.precision[0]).toBeCloseTo(0.8, 12);
    expect(c.recall[0]).toBeCloseTo(0.6, 12);
    expect(c.precision[1]).toBeCloseTo(0.4, 12);
    expect(c.recall[1]).toBeCloseTo(0.6, 12);
    // F1@1 per query: 2/3, 2/3, 1, 1, 0.
    expect(c.f1[0]).toBeCloseTo((2 / 3 + 2 / 3 + 1 + 1) / 5, 6);
    expect(areaUnderPr(c.recall, c.precision)).toBeCloseTo(0, 12);
  });

  it('v2025 (the query takes the first slot and is never a hit)', () => {
    const c = precisionRecallAtK(X, 1, Y, [1, 2, 3], 'v2025');
    expect(c.precision[0]).toBe(0);
    expect(c.recall[0]).toBe(0);
    expect(c.precision[1]).toBeCloseTo(0.4, 12); // second slot: the first neighbour of v2026
    expect(c.recall[1]).toBeCloseTo(0.6, 12);
    expect(c.precision[2]).toBeCloseTo(4 / 15, 12); // hits 1,1,1,1,0 over k = 3
    expect(c.recall[2]).toBeCloseTo(0.6, 12);
    // Σ (r_i − r_{i−1}) p_i = 0.6·0.4 + 0·(4/15).
    expect(areaUnderPr(c.recall, c.precision)).toBeCloseTo(0.24, 12);
  });

  it('ties are broken by index: a duplicate with a lower index comes before the query itself', () => {
    const c = precisionRecallAtK(new Float32Array([5, 5]), 1, new Int32Array([0, 0]), [1], 'v2025');
    expect(c.precision[0]).toBeCloseTo(0.5, 12); // query 1 retrieves 0 first; query 0 retrieves itself
  });

  it('k is capped at N − 1 (v2026) or N (v2025), and the positive count is clamped to ≥ 1 in v2026', () => {
    const lone = new Int32Array([0, 1, 1]);
    const x = new Float32Array([0, 1, 2]);
    const later = precisionRecallAtK(x, 1, lone, [1, 500], 'v2026');
    expect(later.k).toEqual([1, 2]);
    // Query 0 has no positive: recall 0/1 under the clamp. Queries 1, 2 find each other at k = 1.
    expect(later.recall[1]).toBeCloseTo(2 / 3, 12);
    const paper = precisionRecallAtK(x, 1, lone, paperKList(3000, 3), 'v2025');
    expect(paper.k).toEqual([1, 2, 3]);
    expect(paper.recall[2]).toBeCloseTo(2 / 3, 12);
    expect(paper.precision[2]).toBeCloseTo((0 + 1 / 3 + 1 / 3) / 3, 12);
  });

  it('one sort serves several tasks and protocols with the same answers as separate calls', () => {
    const rnd = new Float32Array(40 * 3).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const la = new Int32Array(40).map((_, i) => i % 4), lb = new Int32Array(40).map((_, i) => i % 5);
    const both = retrievalCurves(rnd, 3, [{ labels: la, kList: [1, 3, 7], protocol: 'v2025' }, { labels: lb, kList: adaptiveKList(lb), protocol: 'v2026' }]);
    expect(both[0]).toEqual(precisionRecallAtK(rnd, 3, la, [1, 3, 7], 'v2025'));
    expect(both[1]).toEqual(precisionRecallAtK(rnd, 3, lb, adaptiveKList(lb), 'v2026'));
  });

  it('perfectly clustered codes have precision 1 up to the class size and AUC 1 (v2026)', () => {
    const x = new Float32Array([0, 0.1, 0.2, 100, 100.1, 100.2]);
    const y = new Int32Array([0, 0, 0, 1, 1, 1]);
    const c = precisionRecallAtK(x, 1, y, [1, 2], 'v2026');
    expect(c.precision).toEqual([1, 1]);
    expect(c.recall).toEqual([0.5, 1]);
    expect(areaUnderPr([0, ...c.recall], [1, ...c.precision])).toBeCloseTo(1, 12);
  });
});

describe('adaptive k list (upstream tester._build_adaptive_k_list)', () => {
  it('fixed ks plus fractions of the largest positive count, Python half-to-even rounding', () => {
    // Largest class 251 → 250 positives: 0.001·250 = 0.25 → 0 (dropped), 0.002·250 = 0.5 → 0 (even),
    // 0.005 → 1, 0.01 → 2.5 → 2, 0.02 → 5, 0.05 → 12.5 → 12, 0.075 → 18.75 → 19, 0.1 → 25, …, 0.75 → 187.5 → 188.
    const labels = new Int32Array(300).map((_, i) => (i < 251 ? 0 : 1));
    expect(adaptiveKList(labels)).toEqual([1, 2, 5, 10, 12, 19, 20, 25, 50, 75, 100, 125, 188, 200, 250, 500]);
  });
  it('[1] when every class is a singleton', () => {
    expect(adaptiveKList(new Int32Array([0, 1, 2]))).toEqual([1]);
  });
});

describe('codebook confusion and purity', () => {
  // 4 atoms × 3 classes; atom 3 unused. Atom 0: classes (0,0,0,1); atom 1: (2); atom 2: (1,1,2,2,2... ) below.
  const atoms = new Int32Array([0, 0, 0, 0, 1, 2, 2, 2, 2, 2]);
  const labels = new Int32Array([0, 0, 0, 1, 2, 1, 1, 2, 2, 2]);
  const counts = confusionCounts(atoms, labels, 4, 3);

  it('counts atoms × classes', () => {
    expect(Array.from(counts)).toEqual([3, 1, 0, 0, 0, 1, 0, 2, 3, 0, 0, 0]);
  });

  it('unweighted purity over used atoms (upstream) and the frequency-weighted one', () => {
    const p = codebookPurity(counts, 4, 3);
    // Used atoms 0, 1, 2 with purities 3/4, 1/1, 3/5.
    expect(p.atomsInUse).toBe(3);
    expect(p.unweighted).toBeCloseTo((0.75 + 1 + 0.6) / 3, 12);
    // (3 + 1 + 3) of 10 fragments.
    expect(p.weighted).toBeCloseTo(0.7, 12);
  });

  it('the upstream formula (row-normalise with +1e-7, Σ row max / Σ all) agrees to 1e-6', () => {
    let num = 0, den = 0;
    for (let a = 0; a < 4; a++) {
      const row = Array.from(counts.subarray(a * 3, a * 3 + 3));
      const s = row.reduce((x, y) => x + y, 0) + 1e-7;
      num += Math.max(...row) / s;
      den += row.reduce((x, y) => x + y / s, 0);
    }
    expect(codebookPurity(counts, 4, 3).unweighted).toBeCloseTo(num / den, 6);
  });

  it('assignments map atoms to classes; an unused atom has none; OOD accuracy uses assignments[atom]', () => {
    const asg = atomAssignments(counts, 4, 3);
    expect(Array.from(asg)).toEqual([0, 2, 2, -1]);
    expect(Array.from(rowOrder(asg))).toEqual([0, 1, 2, 3]);
    // Two atoms share class 2: the position in argsort (upstream bug 6) would call atom 2 "class 2"
    // only by accident of order; assignments[atom] gets every fragment of atom 1 and 2 right.
    expect(atomClassAccuracy(new Int32Array([1, 2, 2, 0, 3]), new Int32Array([2, 2, 1, 0, 0]), asg)).toBeCloseTo(3 / 5, 12);
  });

  it('upstream bug 6: the argsort-position mapping differs when atoms and classes are not one-to-one', () => {
    const asg = new Int32Array([2, 0, 0, 1]); // atoms 1 and 2 both stand for class 0
    const order = rowOrder(asg); // [1, 2, 3, 0]
    const atomsSeen = new Int32Array([0, 1, 2, 3]), truth = new Int32Array([2, 0, 0, 1]);
    const positional = Array.from(atomsSeen).filter((a, i) => Array.from(order).indexOf(a) === truth[i]).length / 4;
    expect(positional).toBe(0.25); // only atom 1 happens to sit at position 0
    expect(atomClassAccuracy(atomsSeen, truth, asg)).toBe(1);
  });

  it('the confusion heatmap colours cells from the Purples ends', () => {
    const img = renderHeatmap([0, 1, 0.5, 0], 2, 2, { cell: 10 });
    const px = (x: number, y: number) => Array.from(img.pixels.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    expect(px(4 + 5, 4 + 5)).toEqual([252, 251, 253]);
    expect(px(4 + 15, 4 + 5)).toEqual([63, 0, 125]);
    expect(px(4 + 5, 4 + 15)).toEqual([158, 126, 189]);
  });
});
