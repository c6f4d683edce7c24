import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../framework/backends/select.ts';
import { PhoneNums, type PhoneNumsParams } from '../components/datasets/v3/phonenums.ts';
import { BACKGROUND, OOD_PALETTE, PALETTE, pageDigits, permutation } from '../components/datasets/v3/phonenums-render.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

const P: PhoneNumsParams = { size: 64, n_fragments: 10, split: 'train', shots: 1, palette: 'in', seed: 0 };

describe('PhoneNums (procedural)', () => {
  it('permutations: the Lehmer code and unique digit orders across pages', () => {
    expect(permutation(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(permutation(3628799)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(permutation(1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 8]);
    const seen = new Set<string>();
    for (let i = 0; i < 20000; i++) seen.add(pageDigits(i).join(''));
    expect(seen.size).toBe(20000);
  });

  it('a batch: x in [−1, 1] [B, n, 48, 32, 3], digits as content, colour as style', () => {
    const d = new PhoneNums({ ...P, n_fragments: 4 });
    const b = d.batch([0, 1, 2]);
    expect(b.x.shape).toEqual([3, 4, 48, 32, 3]);
    const x = b.x.dataSync();
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Array.from(b.content.dataSync().slice(0, 4))).toEqual(pageDigits(0).slice(0, 4));
    for (const s of b.style.dataSync()) expect(s).toBeGreaterThanOrEqual(0);
  });

  it('ink colours are RGB·240+8 ±2 on background 245, with unbiased (rounded) noise', () => {
    const d = new PhoneNums(P);
    let bgSum = 0, bgN = 0;
    for (let i = 0; i < 16; i++) {
      const pg = d.page(i);
      const want = PALETTE[pg.colour].rgb.map((c) => Math.round(c * 240 + 8));
      // Column 0 of each cell is never inked (the glyph is 20 px wide, centred ±2 in 32): pure background + noise.
      for (let f = 0; f < 10; f++) for (let y = 0; y < 48; y++) for (let ch = 0; ch < 3; ch++) { bgSum += pg.pixels[((f * 48 + y) * 32) * 3 + ch]; bgN++; }
      // The darkest pixel of the page sits at a fully inked stroke centre: within jitter ±2 and noise of the ink.
      let best = Infinity, bestRgb: number[] = [];
      for (let p = 0; p < pg.pixels.length / 3; p++) {
        const rgb = [pg.pixels[p * 3], pg.pixels[p * 3 + 1], pg.pixels[p * 3 + 2]];
        const dist = rgb.reduce((s, v, c) => s + (v - want[c]) ** 2, 0);
        if (dist < best) { best = dist; bestRgb = rgb; }
      }
      bestRgb.forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThanOrEqual(2 + 9));
    }
    // Truncating the noise (the upstream's np.uint8) would pull the mean ≈ 0.5 below 245.
    expect(Math.abs(bgSum / bgN - BACKGROUND)).toBeLessThan(0.15);
  });

  it('the OOD palette shares no colour with the training one; `shot` gives k pages per colour', () => {
    const names = new Set(PALETTE.map((c) => c.name));
    expect(OOD_PALETTE.filter((c) => names.has(c.name))).toEqual([]);
    const shot = new PhoneNums({ ...P, split: 'shot', shots: 5, palette: 'ood' });
    expect(shot.size).toBe(40);
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 40; i++) counts[shot.page(i).colour]++;
    expect(counts).toEqual(new Array(8).fill(5));
  });

  it('splits are disjoint in page space and pages are deterministic', () => {
    const tr = new PhoneNums(P), te = new PhoneNums({ ...P, split: 'test' });
    const trainSet = new Set(Array.from({ length: 64 }, (_, i) => tr.page(i).digits.join('')));
    for (let i = 0; i < 64; i++) expect(trainSet.has(te.page(i).digits.join(''))).toBe(false);
    expect(tr.page(3).pixels).toEqual(new PhoneNums(P).page(3).pixels);
  });
});
