import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { selectBackend } from '../framework/backends/select.ts';
import { decodePng } from '../framework/util/png-decode.ts';
import { PhoneNumsFiles } from '../components/datasets/v3/phonenums-files.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

const ROOT = 'test/fixtures/phonenums';
// The fixtures were written by PIL (optimize=True, so Sub and Paeth row filters occur) with
// pixel (y, x, c) = (5y + 3x + 70c + 11k) mod 256, k the file's index in its folder.
const value = (y: number, x: number, c: number, k: number) => (5 * y + 3 * x + 70 * c + 11 * k) % 256;

describe('PhoneNums files (the upstream layout)', () => {
  it('decodes PIL-written PNGs exactly, whatever the row filters', () => {
    const png = decodePng(readFileSync(`${ROOT}/train/9876543210_blue.png`));
    expect([png.width, png.height, png.channels]).toEqual([320, 48, 3]);
    for (const [y, x, c] of [[0, 0, 0], [0, 319, 2], [47, 0, 1], [23, 161, 2], [47, 319, 0]]) {
      expect(png.pixels[(y * 320 + x) * 3 + c]).toBe(value(y, x, c, 1));
    }
  });

  it('reads {split}/<digits>_<colour>.png into cells in [−1, 1] with digit and colour labels', () => {
    const d = new PhoneNumsFiles({ root: ROOT, split: 'train', n_fragments: 10, palette: 'in' });
    expect(d.size).toBe(2);
    const b = d.batch([0, 1]);
    expect(b.x.shape).toEqual([2, 10, 48, 32, 3]);
    expect(Array.from(b.content.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(Array.from(b.style.dataSync())).toEqual([3, 1]); // red, blue in the palette order
    const x = b.x.dataSync();
    // Sample 1, cell 4, row 10, column 7, channel 2 = page pixel (10, 4·32 + 7, 2) of file k = 1.
    const at = ((((1 * 10 + 4) * 48 + 10) * 32 + 7) * 3) + 2;
    expect(x[at]).toBeCloseTo(value(10, 135, 2, 1) / 127.5 - 1, 6);
    expect(new PhoneNumsFiles({ root: ROOT, split: 'test', n_fragments: 3, palette: 'in' }).batch([0]).content.dataSync()).toEqual(new Int32Array([5, 0, 3]));
  });

  it('errors name the problem: a missing split, a colour outside the palette', () => {
    expect(() => new PhoneNumsFiles({ root: ROOT, split: 'val', n_fragments: 10, palette: 'in' })).toThrow(/no PhoneNums folder/);
    expect(() => new PhoneNumsFiles({ root: ROOT, split: 'train', n_fragments: 10, palette: 'ood' })).toThrow(/ood palette/);
  });
});
