import { encodePng } from './png.ts';

/**
 * A small line-plot rasteriser (no dependencies): axes, ticks labelled with a built-in 3×5 bitmap
 * font (digits, `. - + e`), one coloured line per series with square markers, optional ±err bars,
 * and a legend of numbered swatches (series i is labelled `i+1`; callers print what each number
 * means). Used for sweep reports and loss-curve pictures.
 */
export interface Series {
  label: string;
  points: { x: number; y: number; err?: number }[];
}

export interface PlotOptions {
  width?: number;
  height?: number;
  /** Log-scale x axis (all x > 0); default: on when x spans two or more decades. */
  logX?: boolean;
  logY?: boolean;
  /** Square markers on every point (default on); off for long sequences, where they merge into a band. */
  markers?: boolean;
}

export interface Raster { width: number; height: number; pixels: Uint8Array }

/** Tableau-like colours, distinct on white. */
export const PALETTE: [number, number, number][] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

// 3×5 glyphs, rows top to bottom, 3 bits each (MSB = left column).
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 2, 2], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2], '-': [0, 0, 7, 0, 0], '+': [0, 2, 7, 2, 0], 'e': [0, 7, 7, 4, 7], ' ': [0, 0, 0, 0, 0],
};
const SCALE = 2;
const GLYPH_W = 4 * SCALE;

export function renderPlot(series: Series[], opts: PlotOptions = {}): Raster {
  const width = opts.width ?? 640;
  const height = opts.height ?? 400;
  const img: Raster = { width, height, pixels: new Uint8Array(width * height * 3).fill(255) };
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (!pts.length) return img;
  const xs = pts.map((p) => p.x);
  const logX = opts.logX ?? (Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100);
  const logY = opts.logY ?? false;
  const tx = (x: number) => (logX ? Math.log10(x) : x);
  const ty = (y: number) => (logY ? Math.log10(y) : y);
  const ylo = pts.map((p) => ty(p.y - (p.err ?? 0)));
  const yhi = pts.map((p) => ty(p.y + (p.err ?? 0)));
  const [x0, x1] = padRange(Math.min(...xs.map(tx)), Math.max(...xs.map(tx)));
  const [y0, y1] = padRange(Math.min(...ylo.filter(Number.isFinite)), Math.max(...yhi.filter(Number.isFinite)));
  const left = 70;
  const right = 20;
  const top = 20 + (series.length > 1 ? 16 : 0);
  const bottom = 30;
  const px = (x: number) => left + ((tx(x) - x0) / (x1 - x0)) * (width - left - right);
  const py = (y: number) => height - bottom - ((ty(y) - y0) / (y1 - y0)) * (height - top - bottom);
  const black: RGB = [0, 0, 0];
  const grey: RGB = [225, 225, 225];

  for (const t of ticks(x0, x1, logX)) {
    const X = Math.round(left + ((t - x0) / (x1 - x0)) * (width - left - right));
    line(img, X, top, X, height - bottom, grey);
    line(img, X, height - bottom, X, height - bottom + 4, black);
    const label = tickLabel(logX ? 10 ** t : t);
    text(img, label, X - Math.floor((label.length * GLYPH_W) / 2), height - bottom + 8, black);
  }
  for (const t of ticks(y0, y1, logY)) {
    const Y = Math.round(height - bottom - ((t - y0) / (y1 - y0)) * (height - top - bottom));
    line(img, left, Y, width - right, Y, grey);
    line(img, left - 4, Y, left, Y, black);
    const label = tickLabel(logY ? 10 ** t : t);
    text(img, label, left - 8 - label.length * GLYPH_W, Y - 5, black);
  }
  line(img, left, top, left, height - bottom, black);
  line(img, left, height - bottom, width - right, height - bottom, black);

  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const ps = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    for (let k = 1; k < ps.length; k++) thick(img, px(ps[k - 1].x), py(ps[k - 1].y), px(ps[k].x), py(ps[k].y), c);
    for (const p of ps) {
      if (p.err && p.err > 0) {
        const X = Math.round(px(p.x));
        const a = Math.round(py(p.y - p.err));
        const b = Math.round(py(p.y + p.err));
        line(img, X, a, X, b, c);
        line(img, X - 3, a, X + 3, a, c);
        line(img, X - 3, b, X + 3, b, c);
      }
      if (opts.markers ?? true) rect(img, Math.round(px(p.x)) - 2, Math.round(py(p.y)) - 2, 5, 5, c);
    }
    if (series.length > 1) {
      // Legend: a swatch and the series number, left to right along the top.
      const lx = left + i * 44;
      rect(img, lx, 6, 14, 10, c);
      text(img, String(i + 1), lx + 18, 6, black);
    }
  });
  return img;
}

export function plotPng(series: Series[], opts: PlotOptions = {}): Uint8Array {
  const r = renderPlot(series, opts);
  return encodePng(r.width, r.height, 3, r.pixels);
}

export type RGB = [number, number, number];

function setPx(img: Raster, x: number, y: number, c: RGB): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * 3;
  img.pixels[o] = c[0];
  img.pixels[o + 1] = c[1];
  img.pixels[o + 2] = c[2];
}

/** Bresenham. */
function line(img: Raster, xa: number, ya: number, xb: number, yb: number, c: RGB): void {
  let x = Math.round(xa);
  let y = Math.round(ya);
  const X = Math.round(xb);
  const Y = Math.round(yb);
  const dx = Math.abs(X - x);
  const dy = -Math.abs(Y - y);
  const sx = x < X ? 1 : -1;
  const sy = y < Y ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    setPx(img, x, y, c);
    if (x === X && y === Y) return;
    const e2 = 2 * err;
    if (e2 >= dy) { err += dy; x += sx; }
    if (e2 <= dx) { err += dx; y += sy; }
  }
}

function thick(img: Raster, xa: number, ya: number, xb: number, yb: number, c: RGB): void {
  line(img, xa, ya, xb, yb, c);
  line(img, xa, ya + 1, xb, yb + 1, c);
}

export function rect(img: Raster, x: number, y: number, w: number, h: number, c: RGB): void {
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) setPx(img, x + i, y + j, c);
}

/** Draws `s` with the bitmap font; characters without a glyph are skipped (left blank). */
export function text(img: Raster, s: string, x: number, y: number, c: RGB): void {
  [...s].forEach((ch, k) => {
    const g = GLYPHS[ch];
    if (!g) return;
    for (let r = 0; r < 5; r++) for (let col = 0; col < 3; col++) {
      if (g[r] & (4 >> col)) rect(img, x + k * GLYPH_W + col * SCALE, y + r * SCALE, SCALE, SCALE, c);
    }
  });
}

function padRange(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

/** 1-2-5 ticks inside [lo, hi] (in log10 units when log: whole decades, or every value if fewer than 2). */
export function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) out.push(d);
    if (out.length >= 2) return out;
  }
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** Short tick text: `0.25`, `1500`, `1e-5`, `2.5e-4`. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential(1).split('e');
  const mant = m.replace(/\.0$/, '');
  return `${mant}e${Number(e)}`;
}
