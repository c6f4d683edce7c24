import { describe, expect, it } from 'vitest';
import { Rng } from '../framework/util/rng.ts';
import { blurColumns, cellBlurLevels, columnKernelSizes, gaussianKernel, reflect101 } from '../components/datasets/v3/phonenums-blur.ts';
import { inkOf, OOD_PALETTE, PALETTE } from '../components/datasets/v3/phonenums-render.ts';

describe('PhoneNums: the upstream blur and palette', () => {
  it('OpenCV kernels: the fixed 5-tap [1 4 6 4 1]/16, and σ = 0.3·((k−1)/2 − 1) + 0.8 for k = 9', () => {
    expect(Array.from(gaussianKernel(5))).toEqual([1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16]);
    // k = 9: σ = 0.3·3 + 0.8 = 1.7; the centre weight is 1/Σ exp(−i²/(2·1.7²)), i = −4…4.
    const g = gaussianKernel(9), e = (i: number) => Math.exp(-(i * i) / (2 * 1.7 * 1.7));
    const z = 1 + 2 * (e(1) + e(2) + e(3) + e(4));
    expect(g[4]).toBeCloseTo(1 / z, 12);
    expect(g[0]).toBeCloseTo(e(4) / z, 12);
    expect(gaussianKernel(13).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 12);
  });

  it('BORDER_REFLECT_101 indices and a vertical-only blur of one inked pixel', () => {
    expect([-2, -1, 0, 4, 5, 6].map((i) => reflect101(i, 5))).toEqual([2, 1, 0, 4, 3, 2]);
    // A 7×2 plane with one inked pixel at (3, 0); column 0 blurs with k = 5, column 1 stays empty.
    const plane = new Float32Array(14);
    plane[3 * 2] = 1;
    const out = blurColumns(plane, 7, 2, Int32Array.from([5, 5]));
    expect(Array.from({ length: 7 }, (_, y) => out[y * 2])).toEqual([0, 1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16, 0]);
    expect(Array.from({ length: 7 }, (_, y) => out[y * 2 + 1])).toEqual(new Array(7).fill(0));
    // At the top edge rows −1 and −2 reflect to rows 1 and 2 (empty), so row 0 keeps only its own 6/16.
    const top = new Float32Array(7);
    top[0] = 1;
    expect(Array.from(blurColumns(top, 7, 1, Int32Array.from([5])))).toEqual([6 / 16, 4 / 16, 1 / 16, 0, 0, 0, 0]);
  });

  it('column kernels interpolate from each cell level to the next (np.linspace, int, odd); the last cell is constant', () => {
    // levels 5 → 13 over 32 columns: int(5 + 8·j/31), even values raised by one.
    const k = columnKernelSizes([5, 13, 9], 32);
    expect(k[0]).toBe(5);
    expect(k[4]).toBe(7);       // 5 + 32/31 = 6.03 → 6 → 7
    expect(k[31]).toBe(13);
    expect(k[32]).toBe(13);     // cell 1 starts at its own level and falls to 9
    expect(k[63]).toBe(9);
    expect(Array.from(k.slice(64))).toEqual(new Array(32).fill(9));
    for (const v of k) expect(v % 2).toBe(1);
  });

  it('cell levels are 5, 9, 13 with the nested randint probabilities 11/18, 5/18, 2/18', () => {
    const rng = new Rng(3), counts: Record<number, number> = { 5: 0, 9: 0, 13: 0 };
    const N = 36000;
    for (let i = 0; i < N / 10; i++) for (const l of cellBlurLevels(rng, 10)) counts[l]++;
    expect(Object.keys(counts).map(Number).sort((a, b) => a - b)).toEqual([5, 9, 13]);
    expect(counts[5] / N).toBeCloseTo(11 / 18, 1);
    expect(counts[9] / N).toBeCloseTo(5 / 18, 1);
    expect(counts[13] / N).toBeCloseTo(2 / 18, 1);
  });

  it('inks are int(c·240 + 8) of matplotlib\'s 8-bit named colours', () => {
    // matplotlib: green #008000, brown #A52A2A, orange #FFA500; 128/255·240 + 8 = 128.47 → 128, 42/255·240 + 8 = 47.53 → 47.
    const ink = (name: string) => inkOf([...PALETTE, ...OOD_PALETTE].find((c) => c.name === name)!.rgb);
    expect(ink('black')).toEqual([8, 8, 8]);
    expect(ink('green')).toEqual([8, 128, 8]);
    expect(ink('brown')).toEqual([163, 47, 47]);
    expect(ink('orange')).toEqual([248, 163, 8]);
    // pink #FFC0CB: 192/255·240 + 8 = 188.70 → 188; peru #CD853F: 205/255·240 + 8 = 200.94 → 200.
    expect(ink('pink')).toEqual([248, 188, 199]);
    expect(ink('peru')).toEqual([200, 133, 67]);
  });
});
