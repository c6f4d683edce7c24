import { encodePng } from './png.ts';
import { PALETTE, rect, type Raster, type RGB } from './plot.ts';

export interface ScatterPoint { x: number; y: number; /** Colour class (PALETTE, cycled); −1 draws a black marker. */ cls: number; /** Marker side in pixels. */ size?: number }

/** Points in a square picture, scaled to fit with a margin: colour = class, black = highlighted (e.g. codebook atoms). */
export function renderScatter(points: readonly ScatterPoint[], side = 480): Raster {
  const img: Raster = { width: side, height: side, pixels: new Uint8Array(side * side * 3).fill(255) };
  if (!points.length) return img;
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(x1 - x0, y1 - y0) || 1, m = 12;
  const px = (v: number, lo: number) => m + ((v - lo) / span) * (side - 2 * m);
  // Highlighted points last, so they stay visible on top of the cloud.
  for (const p of [...points].sort((a, b) => Number(a.cls < 0) - Number(b.cls < 0))) {
    const s = p.size ?? 4;
    const c: RGB = p.cls < 0 ? [0, 0, 0] : PALETTE[p.cls % PALETTE.length];
    rect(img, Math.round(px(p.x, x0) - s / 2), Math.round(side - px(p.y, y0) - s / 2), s, s, c);
  }
  return img;
}

export function scatterPng(points: readonly ScatterPoint[], side = 480): Uint8Array {
  const r = renderScatter(points, side);
  return encodePng(r.width, r.height, 3, r.pixels);
}
