import { encodePng } from './png.ts';
import { renderPlot, type PlotOptions, type Raster, type Series } from './plot.ts';

/**
 * Pictures of sequences for run artifacts: a grid of line-plot panels (one row per example or
 * per swap, one panel per feature), each panel drawn by the curve plotter so axes, ticks and
 * colours match the sweep and loss plots. Series i of a panel gets palette colour i, so a row
 * `[input, reconstruction]` or `[A, B, swap(s_A, d_B)]` reads the same in every panel.
 */
export interface SeriesGridOptions extends PlotOptions {
  /** Gap between panels in pixels (white). */
  gap?: number;
}

/** The observed steps of a sequence as plot points (x = step); `mask` 0 hides a step. */
export function seriesPoints(values: ArrayLike<number>, mask?: ArrayLike<number>): Series['points'] {
  const out: Series['points'] = [];
  for (let t = 0; t < values.length; t++) if (!mask || mask[t] !== 0) out.push({ x: t, y: values[t] });
  return out;
}

/** Feature `f` of example `example` in row-major `[N, T, F]` values (N = 1: one `[T, F]` block). */
export function column(values: ArrayLike<number>, T: number, F: number, f: number, example = 0): Float32Array {
  const o = example * T * F;
  return Float32Array.from({ length: T }, (_, t) => values[o + t * F + f]);
}

/** Rasters tiled row by row (rows may differ in length), on white, `gap` pixels apart. */
export function tileRasters(rows: Raster[][], gap: number): Raster {
  const cols = Math.max(...rows.map((r) => r.length));
  const w = Math.max(...rows.flat().map((r) => r.width)), h = Math.max(...rows.flat().map((r) => r.height));
  const width = cols * w + (cols - 1) * gap, height = rows.length * h + (rows.length - 1) * gap;
  const pixels = new Uint8Array(width * height * 3).fill(255);
  rows.forEach((row, i) => row.forEach((r, j) => {
    for (let y = 0; y < r.height; y++) {
      const o = ((i * (h + gap) + y) * width + j * (w + gap)) * 3;
      pixels.set(r.pixels.subarray(y * r.width * 3, (y + 1) * r.width * 3), o);
    }
  }));
  return { width, height, pixels };
}

/** A PNG of `rows` of panels; each panel is a list of series drawn over one set of axes. */
export function seriesGridPng(rows: Series[][][], opts: SeriesGridOptions = {}): Uint8Array {
  const panel: PlotOptions = { width: opts.width ?? 320, height: opts.height ?? 160, markers: opts.markers ?? false, logX: opts.logX ?? false, logY: opts.logY };
  const r = tileRasters(rows.map((row) => row.map((series) => renderPlot(series, panel))), opts.gap ?? 4);
  return encodePng(r.width, r.height, 3, r.pixels);
}
