import { describe, expect, it } from 'vitest';
import { FactorGrid, linspace } from '../components/datasets/grid.ts';
import { Rng } from '../framework/util/rng.ts';
import { UntangleError } from '../framework/util/errors.ts';

describe('FactorGrid (C order, last factor fastest)', () => {
  it('matches a hand-enumerated 2×3×4 grid', () => {
    const g = new FactorGrid([2, 3, 4]);
    expect(g.count).toBe(24);
    expect(g.strides).toEqual([12, 4, 1]);
    // Hand enumeration: nested loops with the last factor innermost.
    const rows: number[][] = [];
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) rows.push([a, b, c]);
    const all = g.indexToFactors(rows.map((_, i) => i));
    rows.forEach((r, i) => expect(Array.from(all.subarray(i * 3, i * 3 + 3))).toEqual(r));
    expect(Array.from(g.indexToFactors([17]))).toEqual([1, 1, 1]); // 17 = 1·12 + 1·4 + 1
    expect(Array.from(g.indexToFactors([23]))).toEqual([1, 2, 3]);
    expect(Array.from(g.factorsToIndex(Int32Array.of(0, 2, 1, 1, 0, 3), 2))).toEqual([9, 15]);
  });

  it.each([
    ['dsprites', [1, 3, 6, 40, 32, 32]],
    ['shapes3d', [10, 10, 10, 8, 4, 15]],
    ['mpi3d', [6, 6, 2, 3, 3, 40, 40]],
    ['cars3d', [4, 24, 183]],
  ])('%s: index → factors → index round-trips on random and edge indices', (_name, sizes) => {
    const g = new FactorGrid(sizes);
    const rng = new Rng(7);
    const idx = [0, 1, g.count - 1, g.count - 2, ...g.strides.filter((s) => s < g.count), ...g.strides.map((s) => s - 1)];
    for (let i = 0; i < 2000; i++) idx.push(rng.int(g.count));
    const f = g.indexToFactors(idx);
    for (let r = 0; r < idx.length; r++) for (let k = 0; k < sizes.length; k++) {
      expect(f[r * sizes.length + k]).toBeGreaterThanOrEqual(0);
      expect(f[r * sizes.length + k]).toBeLessThan(sizes[k]);
    }
    expect(Array.from(g.factorsToIndex(f, idx.length))).toEqual(idx);
    // The last index is the all-max corner.
    expect(Array.from(g.indexToFactors([g.count - 1]))).toEqual(sizes.map((s) => s - 1));
  });

  it('has the real grid sizes', () => {
    expect(new FactorGrid([1, 3, 6, 40, 32, 32]).count).toBe(737280);
    expect(new FactorGrid([10, 10, 10, 8, 4, 15]).count).toBe(480000);
    expect(new FactorGrid([6, 6, 2, 3, 3, 40, 40]).count).toBe(1036800);
    expect(new FactorGrid([4, 24, 183]).count).toBe(17568);
  });

  it('rejects out-of-range indices and factors with context', () => {
    const g = new FactorGrid([2, 3]);
    expect(() => g.indexToFactors([6])).toThrow(UntangleError);
    expect(() => g.indexToFactors([-1])).toThrow(/outside/);
    expect(() => g.factorsToIndex(Int32Array.of(0, 3), 1)).toThrow(/factor 1 value 3/);
    expect(() => g.factorsToIndex(Int32Array.of(0, 1, 2), 1)).toThrow(/n × numFactors/);
    expect(() => new FactorGrid([2, 0])).toThrow(UntangleError);
  });

  it('samples factors in range, reproducibly from the seed, covering every value', () => {
    const g = new FactorGrid([3, 5]);
    const a = g.sampleFactors(3000, new Rng(1));
    const b = g.sampleFactors(3000, new Rng(1));
    expect(Array.from(a)).toEqual(Array.from(b));
    const counts = [new Array(3).fill(0), new Array(5).fill(0)];
    for (let r = 0; r < 3000; r++) { counts[0][a[r * 2]]++; counts[1][a[r * 2 + 1]]++; }
    counts[0].forEach((c) => expect(Math.abs(c - 1000)).toBeLessThan(120)); // ~4.6σ
    counts[1].forEach((c) => expect(Math.abs(c - 600)).toBeLessThan(110));
  });

  it('linspace matches numpy (endpoint included)', () => {
    expect(linspace(0.5, 1, 6)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    const o = linspace(0, 2 * Math.PI, 40);
    expect(o[39]).toBe(2 * Math.PI);
    expect(o[1]).toBeCloseTo(0.16110731556870733, 15); // numpy: np.linspace(0, 2*np.pi, 40)[1]
    expect(linspace(-30, 30, 15)[7]).toBe(0);
  });
});
