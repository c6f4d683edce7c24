import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defineComponent } from '../../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../../framework/contracts/index.ts';
import { UntangleError } from '../../../../framework/util/errors.ts';
import { sha256 } from '../../../../framework/util/hash.ts';
import { numericCell, parseCsv } from './csv-table.ts';

export interface TimeSeriesCsvParams {
  path: string;
  columns: string[] | null;
  window: number;
  stride: number;
  split: 'train' | 'val' | 'test' | 'all';
  split_fractions: [number, number, number];
}

/** Columns that are time stamps or indices, never features (ETT `date`; AirQuality `No, year, month, day, hour, station`). */
const NON_FEATURES = new Set(['date', 'No', 'year', 'month', 'day', 'hour', 'station']);

/** One station / file: values `[rows × D]` (NaN = missing) and the hour of day of each row. */
interface Series {
  name: string;
  values: Float32Array;
  hours: Int32Array;
  rows: number;
}

/** Hour of day from an ETT `date` cell ("2016-07-01 13:00:00") or an AirQuality `hour` cell. */
function hourOf(header: string[], row: string[]): number {
  const h = header.indexOf('hour');
  if (h >= 0) return Number(row[h]);
  const d = header.indexOf('date');
  if (d >= 0) {
    const m = /(\d{1,2}):\d{2}/.exec(row[d]);
    if (m) return Number(m[1]);
  }
  return 0;
}

/**
 * ETTh-style (one CSV: `date, HUFL, ..., OT`) and Beijing multi-site AirQuality-style CSVs (a
 * directory of station files `PRSA_Data_<station>_*.csv` with `NA` gaps and a categorical wind
 * direction, which is dropped) as windows of `window` steps. Each file is one series, split in time
 * by `split_fractions` (ETTh's 12/4/4 months ≈ 0.6/0.2/0.2). Features are z-scored per column with
 * the training part's mean/std over observed entries only; missing entries become 0 with `mask` 0.
 * x: [B, T, D]; mask: [B, T, D]; static: [B, 1] series (station) id; dynamic: [B, T, 1] hour of day.
 */
export class TimeSeriesCSV implements Dataset {
  readonly series: Series[] = [];
  readonly columns: string[];
  readonly mean: Float32Array;
  readonly std: Float32Array;
  private readonly windows: { series: number; start: number }[] = [];
  readonly elementSpec: Record<string, number[]>;
  private readonly files: string[];

  constructor(readonly p: TimeSeriesCsvParams) {
    this.files = statSync(p.path).isDirectory()
      ? readdirSync(p.path).filter((f) => f.toLowerCase().endsWith('.csv')).sort().map((f) => join(p.path, f))
      : [p.path];
    if (this.files.length === 0) throw new UntangleError('timeseries.empty', `no .csv files in ${p.path}`, { path: p.path });
    const tables = this.files.map((f) => ({ f, t: parseCsv(readFileSync(f, 'utf8'), f) }));
    const first = tables[0].t;
    this.columns = p.columns ?? first.header.filter((c, j) => !NON_FEATURES.has(c) && first.rows.every((r) => numericCell(r[j]) !== undefined));
    const D = this.columns.length;
    for (const { f, t } of tables) {
      const idx = this.columns.map((c) => {
        const j = t.header.indexOf(c);
        if (j < 0) throw new UntangleError('timeseries.column', `${f} has no column '${c}'`, { file: f, header: t.header });
        return j;
      });
      const values = new Float32Array(t.rows.length * D);
      t.rows.forEach((r, i) => idx.forEach((j, d) => {
        const v = numericCell(r[j]);
        if (v === undefined) throw new UntangleError('timeseries.cell', `${f} row ${i + 2} column '${this.columns[d]}' is not numeric: '${r[j]}'`, { file: f });
        values[i * D + d] = v;
      }));
      const station = t.header.indexOf('station');
      const name = station >= 0 ? t.rows[0][station] : basename(f, '.csv');
      this.series.push({ name, values, hours: Int32Array.from(t.rows.map((r) => hourOf(t.header, r))), rows: t.rows.length });
    }
    // Training statistics over observed entries of each series' training span.
    const sum = new Float64Array(D), sq = new Float64Array(D), cnt = new Float64Array(D);
    for (const s of this.series) {
      const [lo, hi] = this.range(s.rows, 'train');
      for (let i = lo; i < hi; i++) for (let d = 0; d < D; d++) {
        const v = s.values[i * D + d];
        if (!Number.isNaN(v)) { sum[d] += v; sq[d] += v * v; cnt[d]++; }
      }
    }
    this.mean = Float32Array.from(sum, (v, d) => v / Math.max(1, cnt[d]));
    this.std = Float32Array.from(sq, (v, d) => Math.sqrt(Math.max(1e-12, v / Math.max(1, cnt[d]) - this.mean[d] ** 2)));
    this.series.forEach((s, k) => {
      const [lo, hi] = this.range(s.rows, p.split);
      for (let st = lo; st + p.window <= hi; st += p.stride) this.windows.push({ series: k, start: st });
    });
    this.elementSpec = { x: [p.window, D], mask: [p.window, D], static: [1], dynamic: [p.window, 1], index: [], sequence: [] };
  }

  /** Row range [lo, hi) of a split, by the cumulative fractions. */
  range(rows: number, split: TimeSeriesCsvParams['split']): [number, number] {
    if (split === 'all') return [0, rows];
    const [a, b] = this.p.split_fractions;
    const c1 = Math.floor(rows * a), c2 = Math.floor(rows * (a + b));
    return split === 'train' ? [0, c1] : split === 'val' ? [c1, c2] : [c2, rows];
  }

  get size(): number {
    return this.windows.length;
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = indices.length, T = this.p.window, D = this.columns.length;
    const x = new Float32Array(n * T * D), mask = new Float32Array(n * T * D);
    const stat = new Int32Array(n), hours = new Int32Array(n * T);
    for (let i = 0; i < n; i++) {
      const w = this.windows[indices[i]];
      const s = this.series[w.series];
      stat[i] = w.series;
      for (let t = 0; t < T; t++) {
        hours[i * T + t] = s.hours[w.start + t];
        for (let d = 0; d < D; d++) {
          const v = s.values[(w.start + t) * D + d];
          const o = (i * T + t) * D + d;
          if (!Number.isNaN(v)) { x[o] = (v - this.mean[d]) / this.std[d]; mask[o] = 1; }
        }
      }
    }
    return {
      x: tf.tensor3d(x, [n, T, D]), mask: tf.tensor3d(mask, [n, T, D]),
      static: tf.tensor2d(stat, [n, 1], 'int32'), dynamic: tf.tensor3d(hours, [n, T, 1], 'int32'),
      index: tf.tensor1d(Int32Array.from(indices), 'int32'), sequence: tf.tensor1d(stat, 'int32'),
    };
  }

  fingerprint(): DatasetFingerprint {
    const digest = sha256(this.files.map((f) => sha256(readFileSync(f))).join(''));
    return { name: 'timeseries-csv', digest, source: this.p.path };
  }
}

export const timeSeriesCsvSpec = defineComponent<TimeSeriesCsvParams, TimeSeriesCSV>({
  target: 'untangle.datasets.TimeSeriesCSV',
  kind: 'dataset',
  description: 'ETTh-style / Beijing AirQuality-style CSV windows, NA-aware z-scoring with training statistics',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'a CSV file (ETTh) or a directory of station CSVs (AirQuality)' },
      columns: { type: ['array', 'null'], items: { type: 'string' }, default: null, description: 'feature columns (default: every numeric non-time column)' },
      window: { type: 'integer', minimum: 1, default: 96 },
      stride: { type: 'integer', minimum: 1, default: 1 },
      split: { enum: ['train', 'val', 'test', 'all'], default: 'train' },
      split_fractions: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 3, maxItems: 3, default: [0.6, 0.2, 0.2] },
    },
  },
  create: (p) => new TimeSeriesCSV(p),
});
