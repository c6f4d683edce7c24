import { describe, it, expect } from 'vitest';
import { inflateSync } from 'node:zlib';
import { renderPlot, plotPng, ticks, tickLabel, PALETTE } from '../framework/util/plot.ts';
import { meanStd } from '../framework/sweep/report.ts';

function count(r: { pixels: Uint8Array }, c: [number, number, number]): number {
  let n = 0;
  for (let i = 0; i < r.pixels.length; i += 3) if (r.pixels[i] === c[0] && r.pixels[i + 1] === c[1] && r.pixels[i + 2] === c[2]) n++;
  return n;
}

describe('plot rasteriser and report statistics', () => {
  it('ticks are 1-2-5 steps inside the range; labels are short', () => {
    expect(ticks(0, 1, false)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(-5.1, -2.9, true)).toEqual([-5, -4, -3]);
    expect(['0', '0.25', '1500', '1e-5', '2.5e-4', '-3'].every((s, i) => tickLabel([0, 0.25, 1500, 1e-5, 2.5e-4, -3][i]) === s)).toBe(true);
  });

  it('draws each series in its colour, error bars included, inside the image', () => {
    const r = renderPlot([
      { label: 'a', points: [{ x: 1, y: 1, err: 0.5 }, { x: 2, y: 2 }] },
      { label: 'b', points: [{ x: 1, y: 2 }, { x: 2, y: 1 }] },
    ], { width: 200, height: 150 });
    expect(r.pixels.length).toBe(200 * 150 * 3);
    expect(count(r, PALETTE[0])).toBeGreaterThan(100);
    expect(count(r, PALETTE[1])).toBeGreaterThan(100);
    // The error bar: a vertical run of series-0 pixels at the first point's column. x spans
    // [1, 2] padded by 6 % → [0.94, 2.06] over pixels 70..180, so x = 1 is column round(70 + 0.06/1.12·110) = 76.
    let run = 0;
    for (let y = 0; y < 150; y++) {
      const o = (y * 200 + 76) * 3;
      if (r.pixels[o] === PALETTE[0][0] && r.pixels[o + 1] === PALETTE[0][1] && r.pixels[o + 2] === PALETTE[0][2]) run++;
    }
    expect(run).toBeGreaterThan(20);
    const png = plotPng([{ label: 'a', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }], { width: 64, height: 48 });
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const idat = png.indexOf(0x49, 33); // 'I' of IDAT after the IHDR chunk
    expect(idat).toBeGreaterThan(0);
    const len = new DataView(png.buffer, png.byteOffset + idat - 4, 4).getUint32(0);
    expect(inflateSync(png.subarray(idat + 4, idat + 4 + len)).length).toBe(48 * (64 * 3 + 1));
  });

  it('mean and sample std (n - 1), by hand', () => {
    // [1, 2, 4]: mean 7/3; squared deviations 16/9 + 1/9 + 25/9 = 42/9; /2 = 7/3.
    const s = meanStd([1, 2, 4]);
    expect(s.mean).toBeCloseTo(7 / 3, 14);
    expect(s.std).toBeCloseTo(Math.sqrt(7 / 3), 14);
    expect(meanStd([5]).std).toBeNull();
  });
});
