import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import { TRACKER, type MetricScores, type ModelMetric, type ModelMetricContext, type RunTracker } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { column, seriesGridPng, seriesPoints } from '../../../framework/util/series-grid.ts';
import { analyseSeries, type FactorLevels, type FrequencyAxis } from './series-factors.ts';

/** A model that generates whole sequences unconditionally (e.g. DiffSDA with its latent prior). */
export interface SequenceGenerator {
  generate(n: number, rng: Rng): tf.Tensor;
}

function isGenerator(m: unknown): m is SequenceGenerator {
  return m !== null && typeof m === 'object' && typeof (m as SequenceGenerator).generate === 'function';
}

export interface GeneratedSeriesParams {
  n_samples: number;
  /** SyntheticSeries' factor levels: also compare the histograms of the analytically read factors. */
  factors: (FactorLevels & { frequency_axis: FrequencyAxis }) | null;
  /** Generated series drawn in `generated_series.png` (channel 0); 0: none. */
  pictures: number;
}

/** Per-series statistics pooled over a set `[n, T, C]`: mean, std and lag-1 autocorrelation along time. */
export function seriesStats(v: ArrayLike<number>, n: number, T: number, C: number): { mean: number; std: number; ac1: number } {
  let sum = 0, sq = 0;
  for (let i = 0; i < v.length; i++) { sum += v[i]; sq += v[i] * v[i]; }
  const N = n * T * C, mean = sum / N, variance = Math.max(0, sq / N - mean * mean);
  let lag = 0, cnt = 0;
  for (let i = 0; i < n; i++) for (let t = 1; t < T; t++) for (let c = 0; c < C; c++) {
    lag += (v[(i * T + t) * C + c] - mean) * (v[(i * T + t - 1) * C + c] - mean);
    cnt++;
  }
  return { mean, std: Math.sqrt(variance), ac1: variance > 0 && cnt > 0 ? lag / cnt / variance : 0 };
}

/** Total-variation distance between the histograms of two id lists over k classes. */
export function histogramTv(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  const ha = new Float64Array(k), hb = new Float64Array(k);
  for (let i = 0; i < a.length; i++) ha[a[i]] += 1 / a.length;
  for (let i = 0; i < b.length; i++) hb[b[i]] += 1 / b.length;
  let tv = 0;
  for (let j = 0; j < k; j++) tv += Math.abs(ha[j] - hb[j]) / 2;
  return tv;
}

/**
 * Does unconditional generation look like the data? Draws `n_samples` generated sequences and as
 * many evaluation sequences and compares their pooled mean, std and lag-1 autocorrelation
 * (`gen/*` beside `data/*`); with `factors`, also the total-variation distance between the
 * histograms of the analytically read offset, frequency and per-step regime (`tv/*`: 0 same
 * distribution, 1 disjoint).
 */
export class GeneratedSeries implements ModelMetric {
  /** `tracker`: the run its pictures are written into. */
  constructor(readonly p: GeneratedSeriesParams, private readonly tracker: RunTracker) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const m = ctx.model;
    if (!isGenerator(m)) throw new UntangleError('generated_series.model', 'GeneratedSeries needs a model that generates sequences (generate(n, rng)), e.g. untangle.models.DiffSDAPrior', {});
    const [T, C = 1] = ctx.dataset.elementSpec.x;
    const n = Math.min(this.p.n_samples, ctx.dataset.size);
    const gen = m.generate(n, ctx.rng);
    const g = gen.dataSync();
    gen.dispose();
    const batch = ctx.dataset.batch(ctx.rng.permutation(ctx.dataset.size).subarray(0, n));
    const d = batch.x.dataSync();
    tf.dispose(Object.values(batch));
    const gs = seriesStats(g, n, T, C), ds = seriesStats(d, n, T, C);
    const out: MetricScores = {
      'gen/mean': gs.mean, 'data/mean': ds.mean, 'gen/std': gs.std, 'data/std': ds.std, 'gen/ac1': gs.ac1, 'data/ac1': ds.ac1, samples: n,
    };
    if (this.p.factors) {
      const f = this.p.factors;
      const read = (v: Float32Array | Int32Array | Uint8Array) => Array.from({ length: n }, (_, i) => analyseSeries(v.subarray(i * T * C, (i + 1) * T * C), T, C, f, f.frequency_axis));
      const rg = read(g), rd = read(d);
      out['tv/offset'] = histogramTv(rg.map((r) => r.offset), rd.map((r) => r.offset), f.offsets.length);
      out['tv/frequency'] = histogramTv(rg.map((r) => r.frequency), rd.map((r) => r.frequency), f.frequencies.length);
      out['tv/regime'] = histogramTv(rg.flatMap((r) => Array.from(r.regimes)), rd.flatMap((r) => Array.from(r.regimes)), f.regime_amplitudes.length);
    }
    const rows = Math.min(this.p.pictures, n);
    if (rows > 0) {
      const ch0 = (v: ArrayLike<number>, i: number) => seriesPoints(column(v, T, C, 0, i));
      this.tracker.logArtifact('generated_series.png', seriesGridPng(Array.from({ length: rows }, (_, i) => [[{ label: 'generated', points: ch0(g, i) }], [{ label: 'data', points: ch0(d, i) }]])));
    }
    return out;
  }
}

export const generatedSeriesSpec = defineComponent<GeneratedSeriesParams, GeneratedSeries>({
  target: 'untangle.metrics.GeneratedSeries',
  kind: 'metric',
  description: 'Unconditionally generated series against the data: mean, std, lag-1 autocorrelation, read-factor histograms',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      n_samples: { type: 'integer', minimum: 2, default: 128 },
      factors: {
        type: ['object', 'null'],
        default: null,
        additionalProperties: false,
        required: ['offsets', 'frequencies', 'regime_amplitudes', 'frequency_axis'],
        properties: {
          offsets: { type: 'array', items: { type: 'number' }, minItems: 1 },
          frequencies: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1 },
          regime_amplitudes: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2 },
          frequency_axis: { enum: ['time', 'channels'] },
        },
      },
      pictures: { type: 'integer', minimum: 0, default: 4 },
    },
  },
  create: (p, ctx) => new GeneratedSeries(p, ctx.resolve(TRACKER)),
});
