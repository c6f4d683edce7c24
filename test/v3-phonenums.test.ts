import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../framework/backends/select.ts';
import { PhoneNums, type PhoneNumsParams } from '../components/datasets/v3/phonenums.ts';
import { BACKGROUND, inkOf, OOD_PALETTE, PALETTE, pageDigits, pageSpec, permutation } from '../components/datasets/v3/phonenums-render.ts';

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

  it('inks are int(RGB·240+8) ±2 per page and ±2 again per cell, on a background 245 ±2 per page, with unbiased (rounded) noise', () => {
    const d = new PhoneNums({ ...P, split: 'test' });
    let bgDev = 0, bgN = 0;
    for (let i = 0; i < 16; i++) {
      const pg = d.page(i), spec = pageSpec(0, 2_000_000 + i, PALETTE);
      const want = inkOf(PALETTE[pg.colour].rgb);
      spec.ink.forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThanOrEqual(2));
      spec.background.forEach((v) => expect(Math.abs(v - BACKGROUND)).toBeLessThanOrEqual(2));
      // Column 0 of each cell is never inked (the glyph is 20 px wide, centred ±2 in 32): the page's background + noise.
      for (let f = 0; f < 10; f++) for (let y = 0; y < 48; y++) for (let ch = 0; ch < 3; ch++) { bgDev += pg.pixels[((f * 48 + y) * 32) * 3 + ch] - spec.background[ch]; bgN++; }
      // The pixel nearest the ink sits inside a long vertical stroke, which a vertical blur leaves fully inked:
      // within the cell's ±2 jitter (and σ < 1 noise, rounded) of the page's ink.
      let best = Infinity, bestRgb: number[] = [];
      for (let p = 0; p < pg.pixels.length / 3; p++) {
        const rgb = [pg.pixels[p * 3], pg.pixels[p * 3 + 1], pg.pixels[p * 3 + 2]];
        const dist = rgb.reduce((s, v, c) => s + (v - spec.ink[c]) ** 2, 0);
        if (dist < best) { best = dist; bestRgb = rgb; }
      }
      bestRgb.forEach((v, c) => expect(Math.abs(v - spec.ink[c])).toBeLessThanOrEqual(2 + 3));
    }
    // Rounded zero-mean noise leaves the background's mean where the page put it.
    expect(Math.abs(bgDev / bgN)).toBeLessThan(0.05);
  });

  it('blur varies per cell (the upstream strips), not per page', () => {
    const d = new PhoneNums(P);
    const perPage = Array.from({ length: 64 }, (_, i) => pageSpec(0, i, PALETTE).blur);
    expect(perPage.every((b) => b.length === 10)).toBe(true);
    expect(perPage.filter((b) => new Set(b).size > 1).length).toBeGreaterThan(48);
    expect(d.page(5).colour).toBe(pageSpec(0, 5, PALETTE).colour);
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
