import { encodePng } from './png.ts';
import { rect, text, type Raster, type RGB } from './plot.ts';

export interface HeatmapOptions {
  /** Pixels per cell side. */
  cell?: number;
  /** Colour of value 0 and of value 1 (values are clamped to [0, 1] and interpolated linearly). */
  low?: RGB;
  high?: RGB;
  /** Labels printed left of each row and below each column (the bitmap font has digits only). */
  rowLabels?: string[];
  colLabels?: string[];
}

/** matplotlib's "Purples" ends: white-ish to dark purple, as the V3 upstream's confusion matrix. */
export const PURPLES: [RGB, RGB] = [[252, 251, 253], [63, 0, 125]];

/**
 * A rows × cols matrix of values in [0, 1] as coloured cells (row 0 at the top), with a 1-pixel
 * grey grid and optional numeric labels: confusion matrices and similar tables.
 */
export function renderHeatmap(values: ArrayLike<number>, rows: number, cols: number, opts: HeatmapOptions = {}): Raster {
  const cell = opts.cell ?? 16;
  const [low, high] = [opts.low ?? PURPLES[0], opts.high ?? PURPLES[1]];
  const labelW = opts.rowLabels ? 8 * Math.max(...opts.rowLabels.map((s) => s.length)) + 6 : 0;
  const labelH = opts.colLabels ? 16 : 0;
  const left = 4 + labelW, top = 4;
  const width = left + cols * cell + 5, height = top + rows * cell + 5 + labelH;
  const img: Raster = { width, height, pixels: new Uint8Array(width * height * 3).fill(255) };
  const grid: RGB = [200, 200, 200];
  rect(img, left - 1, top - 1, cols * cell + 1, rows * cell + 1, grid);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const v = Math.min(1, Math.max(0, Number(values[r * cols + c]) || 0));
    const col: RGB = [0, 1, 2].map((k) => Math.round(low[k] + v * (high[k] - low[k]))) as RGB;
    rect(img, left + c * cell, top + r * cell, cell - 1, cell - 1, col);
  }
  const black: RGB = [0, 0, 0];
  opts.rowLabels?.forEach((s, r) => text(img, s, 4 + labelW - 6 - s.length * 8, top + r * cell + Math.floor((cell - 10) / 2), black));
  opts.colLabels?.forEach((s, c) => text(img, s, left + c * cell + Math.floor((cell - s.length * 8) / 2), top + rows * cell + 4, black));
  return img;
}

export function heatmapPng(values: ArrayLike<number>, rows: number, cols: number, opts: HeatmapOptions = {}): Uint8Array {
  const r = renderHeatmap(values, rows, cols, opts);
  return encodePng(r.width, r.height, 3, r.pixels);
}
