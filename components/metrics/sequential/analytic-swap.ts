import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { seriesGridPng, seriesPoints } from '../../../framework/util/series-grid.ts';
import { requireStaticDynamic } from './encoded-set.ts';

export interface AnalyticSwapParams {
  n_pairs: number;
  offsets: number[];
  frequencies: number[];
  regime_amplitudes: number[];
  /** Batch keys of the true factors: static `[2]` (offset id, frequency id) and per-step regime `[T, 1]`. */
  static_key: string;
  dynamic_key: string;
  /** Pairs drawn in `analytic_swap.png` (one row each: A, B, swap(s_A, d_B)); 0: no picture. */
  pictures: number;
}

/** Index of the level nearest to v. */
function nearest(levels: readonly number[], v: number): number {
  let best = 0;
  for (let i = 1; i < levels.length; i++) if (Math.abs(levels[i] - v) < Math.abs(levels[best] - v)) best = i;
  return best;
}

/** Frequency (cycles per step) of the periodogram's largest bin above 0, over k/T for k = 1..T/2. */
export function peakFrequency(y: ArrayLike<number>): number {
  const T = y.length;
  let mean = 0;
  for (let t = 0; t < T; t++) mean += y[t] / T;
  let best = 1, bestPower = -1;
  for (let k = 1; k <= Math.floor(T / 2); k++) {
    let re = 0, im = 0;
    for (let t = 0; t < T; t++) {
      const a = (2 * Math.PI * k * t) / T;
      re += (y[t] - mean) * Math.cos(a);
      im -= (y[t] - mean) * Math.sin(a);
    }
    const power = re * re + im * im;
    if (power > bestPower) { bestPower = power; best = k; }
  }
  return best / T;
}

/** √2 · RMS of (y − mean) over a centred window of `w` steps at every step: a sinusoid's amplitude. */
export function localAmplitude(y: ArrayLike<number>, w: number): Float64Array {
  const T = y.length;
  let mean = 0;
  for (let t = 0; t < T; t++) mean += y[t] / T;
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const lo = Math.max(0, Math.min(T - w, t - Math.floor(w / 2))), hi = Math.min(T, lo + w);
    let sq = 0;
    for (let u = lo; u < hi; u++) sq += (y[u] - mean) ** 2;
    out[t] = Math.sqrt((2 * sq) / (hi - lo));
  }
  return out;
}

/** Offset id, frequency id and per-step regime ids read off one series analytically. */
export function analyseSeries(y: ArrayLike<number>, p: Pick<AnalyticSwapParams, 'offsets' | 'frequencies' | 'regime_amplitudes'>): { offset: number; frequency: number; regimes: Int32Array } {
  let mean = 0;
  for (let t = 0; t < y.length; t++) mean += y[t] / y.length;
  const freq = nearest(p.frequencies, peakFrequency(y));
  // One period of the detected frequency averages the sinusoid's square to a²/2.
  const w = Math.max(4, Math.min(y.length, Math.round(1 / p.frequencies[freq])));
  const amp = localAmplitude(y, w);
  return { offset: nearest(p.offsets, mean), frequency: freq, regimes: Int32Array.from(amp, (a) => nearest(p.regime_amplitudes, a)) };
}

/**
 * A judge-free swap test for series with known factors (SyntheticSeries: static offset and
 * frequency, dynamic amplitude regime): for random pairs (A, B) the model decodes (s_A, d_B), and
 * the result's offset (series mean), frequency (periodogram peak) and per-step regime (local RMS
 * over one period) are read off analytically and compared with A's and B's true factors.
 * A disentangled model keeps A's offset and frequency and B's regimes. `data_*` applies the same
 * analysis to the real series, the ceiling the analysis itself allows. `analytic_swap.png` shows
 * per pair the swap over A (left panel: offset and frequency should match) and over B (right:
 * the amplitude regimes should match).
 */
export class AnalyticSwap implements ModelMetric {
  constructor(readonly p: AnalyticSwapParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireStaticDynamic(ctx, 'analytic_swap');
    for (const k of [this.p.static_key, this.p.dynamic_key]) {
      if (!(k in ctx.dataset.elementSpec)) throw new UntangleError('analytic_swap.key', `the data set has no batch key '${k}'`, { provided: Object.keys(ctx.dataset.elementSpec) });
    }
    const n = this.p.n_pairs;
    const a = Int32Array.from({ length: n }, () => ctx.rng.int(ctx.dataset.size));
    const b = Int32Array.from({ length: n }, () => ctx.rng.int(ctx.dataset.size));
    const A = ctx.dataset.batch(a), B = ctx.dataset.batch(b);
    const T = ctx.dataset.elementSpec.x[0];
    const { swapped, data, dataB } = tf.tidy(() => {
      const ea = model.encodeParts(A.x), eb = model.encodeParts(B.x);
      const out = model.decodeParts(ea.static, eb.dynamic);
      const first = (x: tf.Tensor) => Float32Array.from(tf.slice(x, [0, 0, 0], [-1, T, 1]).dataSync());
      return { swapped: first(out), data: first(A.x), dataB: first(B.x) };
    });
    const rows = Math.min(this.p.pictures, n);
    if (rows > 0) {
      const seg = (v: Float32Array, i: number) => seriesPoints(v.subarray(i * T, (i + 1) * T));
      ctx.logArtifact('analytic_swap.png', seriesGridPng(Array.from({ length: rows }, (_, i) => [
        [{ label: 'A', points: seg(data, i) }, { label: 'swap', points: seg(swapped, i) }],
        [{ label: 'B', points: seg(dataB, i) }, { label: 'swap', points: seg(swapped, i) }],
      ])));
    }
    const sa = A[this.p.static_key].dataSync(), sb = B[this.p.static_key].dataSync();
    const ra = A[this.p.dynamic_key].dataSync(), rb = B[this.p.dynamic_key].dataSync();
    const tally = { offA: 0, offB: 0, freqA: 0, freqB: 0, regA: 0, regB: 0, dOff: 0, dFreq: 0, dReg: 0 };
    for (let i = 0; i < n; i++) {
      const s = analyseSeries(swapped.subarray(i * T, (i + 1) * T), this.p);
      const d = analyseSeries(data.subarray(i * T, (i + 1) * T), this.p);
      tally.offA += Number(s.offset === sa[2 * i]); tally.offB += Number(s.offset === sb[2 * i]);
      tally.freqA += Number(s.frequency === sa[2 * i + 1]); tally.freqB += Number(s.frequency === sb[2 * i + 1]);
      tally.dOff += Number(d.offset === sa[2 * i]); tally.dFreq += Number(d.frequency === sa[2 * i + 1]);
      for (let t = 0; t < T; t++) {
        tally.regA += Number(s.regimes[t] === ra[i * T + t]) / T;
        tally.regB += Number(s.regimes[t] === rb[i * T + t]) / T;
        tally.dReg += Number(d.regimes[t] === ra[i * T + t]) / T;
      }
    }
    tf.dispose([...Object.values(A), ...Object.values(B)]);
    return {
      offset_from_A: tally.offA / n, offset_from_B: tally.offB / n,
      frequency_from_A: tally.freqA / n, frequency_from_B: tally.freqB / n,
      regime_from_B: tally.regB / n, regime_from_A: tally.regA / n,
      data_offset: tally.dOff / n, data_frequency: tally.dFreq / n, data_regime: tally.dReg / n, pairs: n,
    };
  }
}

export const analyticSwapSpec = defineComponent<AnalyticSwapParams, AnalyticSwap>({
  target: 'untangle.metrics.AnalyticSwap',
  kind: 'metric',
  description: 'Swap (s_A, d_B) on SyntheticSeries judged analytically: offset and frequency from A, amplitude regime from B',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      n_pairs: { type: 'integer', minimum: 1, default: 200 },
      offsets: { type: 'array', items: { type: 'number' }, minItems: 1, default: [-1.5, -0.5, 0.5, 1.5] },
      frequencies: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, default: [0.02, 0.05, 0.1, 0.2] },
      regime_amplitudes: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, default: [0.2, 0.8, 1.6] },
      static_key: { type: 'string', default: 'static' },
      dynamic_key: { type: 'string', default: 'dynamic' },
      pictures: { type: 'integer', minimum: 0, default: 4 },
    },
  },
  create: (p) => new AnalyticSwap(p),
});
