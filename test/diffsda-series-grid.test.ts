import { describe, it, expect } from 'vitest';
import { inflateSync } from 'node:zlib';
import { PALETTE, renderPlot } from '../framework/util/plot.ts';
import { column, seriesGridPng, seriesPoints, tileRasters } from '../framework/util/series-grid.ts';

const count = (px: Uint8Array, c: readonly number[]) => {
  let n = 0;
  for (let i = 0; i < px.length; i += 3) if (px[i] === c[0] && px[i + 1] === c[1] && px[i + 2] === c[2]) n++;
  return n;
};

/** Width, height and RGB pixels of an 8-bit RGB PNG written by encodePng (filter byte 0 per row). */
function readPng(png: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const view = Buffer.from(png);
  const width = view.readUInt32BE(16), height = view.readUInt32BE(20);
  const chunks: Buffer[] = [];
  for (let o = 8; o < view.length;) {
    const len = view.readUInt32BE(o), type = view.toString('ascii', o + 4, o + 8);
    if (type === 'IDAT') chunks.push(view.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, pixels };
}

describe('series grid pictures', () => {
  it('seriesPoints drops masked steps and column reads one feature of a [T, F] block', () => {
    expect(seriesPoints([5, 6, 7], [1, 0, 1])).toEqual([{ x: 0, y: 5 }, { x: 2, y: 7 }]);
    expect(Array.from(column([1, 2, 3, 4, 5, 6], 3, 2, 1))).toEqual([2, 4, 6]);
    // Example 1 of [2, 3, 2] values: its second feature.
    expect(Array.from(column([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 3, 2, 1, 1))).toEqual([8, 10, 12]);
  });

  it('tiles panels row by row with white gaps; rows may be short', () => {
    const red = { width: 2, height: 2, pixels: new Uint8Array(12).fill(0) };
    const t = tileRasters([[red, red], [red]], 1);
    expect([t.width, t.height]).toEqual([5, 5]);
    // (row 1, col 1) is empty: white.
    expect(Array.from(t.pixels.subarray((4 * 5 + 4) * 3, (4 * 5 + 4) * 3 + 3))).toEqual([255, 255, 255]);
    expect(Array.from(t.pixels.subarray(0, 3))).toEqual([0, 0, 0]);
    // The gap column x = 2 is white.
    expect(Array.from(t.pixels.subarray(2 * 3, 2 * 3 + 3))).toEqual([255, 255, 255]);
  });

  it('draws input and reconstruction in palette colours 0 and 1 in each panel, without markers by default', () => {
    const T = 50;
    const input = Float32Array.from({ length: T }, (_, t) => Math.sin(t / 5));
    const recon = Float32Array.from(input, (v) => v + 0.3);
    const panel = [{ label: 'input', points: seriesPoints(input) }, { label: 'reconstruction', points: seriesPoints(recon) }];
    const png = readPng(seriesGridPng([[panel, panel], [panel]], { width: 200, height: 100, gap: 4 }));
    expect([png.width, png.height]).toEqual([404, 204]);
    const single = renderPlot(panel, { width: 200, height: 100, markers: false, logX: false });
    // Three identical panels: three times the line pixels of one.
    for (const c of [PALETTE[0], PALETTE[1]]) {
      expect(count(single.pixels, c)).toBeGreaterThan(100);
      expect(count(png.pixels, c)).toBe(3 * count(single.pixels, c));
    }
    // Markers add 5×5 squares: more coloured pixels than the bare line.
    expect(count(renderPlot(panel, { width: 200, height: 100 }).pixels, PALETTE[0])).toBeGreaterThan(count(single.pixels, PALETTE[0]));
  });
});
