import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import { TRACKER, type MetricScores, type ModelMetric, type ModelMetricContext, type RunTracker } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { column, seriesGridPng, seriesPoints } from '../../../framework/util/series-grid.ts';
import { requireStaticDynamic } from './encoded-set.ts';
import { analyseSeries, type FactorLevels, type FrequencyAxis } from './series-factors.ts';

export interface AnalyticSwapParams extends FactorLevels {
  n_pairs: number;
  /** Batch keys of the true factors: static `[2]` (offset id, frequency id) and per-step regime `[T, 1]`. */
  static_key: string;
  dynamic_key: string;
  frequency_axis: FrequencyAxis;
  /** Draw each B among the series whose offset and frequency both differ from A's, so following B scores 0 on the static rows. */
  distinct_pairs: boolean;
  /** Pairs drawn in `analytic_swap.png` (one row each); 0: no picture. */
  pictures: number;
}

/**
 * Indices of the B partners: random (`stat` null), or the first series of a shuffled pool that
 * differs from A in both static ids; a pick goes to the back of the pool, so partners repeat
 * only once every other candidate has been used.
 */
function partners(a: Int32Array, stat: ArrayLike<number> | null, size: number, rng: Rng): Int32Array {
  if (stat === null) return Int32Array.from(a, () => rng.int(size));
  const pool = Array.from(rng.permutation(size));
  return Int32Array.from(a, (i) => {
    const j = pool.findIndex((k) => stat[2 * k] !== stat[2 * i] && stat[2 * k + 1] !== stat[2 * i + 1]);
    if (j < 0) throw new UntangleError('analytic_swap.pairs', 'no partner left that differs from A in both static factors', { pairs: a.length, size });
    const pick = pool[j];
    pool.splice(j, 1);
    pool.push(pick);
    return pick;
  });
}

/**
 * A judge-free swap test for series with known factors (SyntheticSeries: static offset and
 * frequency, dynamic amplitude regime): for pairs (A, B) the model decodes (s_A, d_B), and the
 * result's offset (mean), frequency (periodogram peak, along time or across channels) and per-step
 * regime (local amplitude) are read off analytically and compared with A's and B's true factors.
 * A disentangled model keeps A's offset and frequency and B's regimes. `recon_*` reads
 * decode(s_A, d_A) against A (the ceiling the decoder allows); `data_*` reads A itself (the
 * reader's own ceiling). `analytic_swap.png` shows per pair A, its reconstruction and the swap
 * over time (channel 0), then B against the swap: the series itself on the time axis, the read
 * amplitude envelope on the channel axis, and there also A's and the swap's channel profile at step 0.
 */
export class AnalyticSwap implements ModelMetric {
  /** `tracker`: the run its pictures and tables are written into. */
  constructor(readonly p: AnalyticSwapParams, private readonly tracker: RunTracker) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireStaticDynamic(ctx, 'analytic_swap');
    for (const k of [this.p.static_key, this.p.dynamic_key]) {
      if (!(k in ctx.dataset.elementSpec)) throw new UntangleError('analytic_swap.key', `the data set has no batch key '${k}'`, { provided: Object.keys(ctx.dataset.elementSpec) });
    }
    const size = ctx.dataset.size, n = this.p.n_pairs;
    const [T, C] = ctx.dataset.elementSpec.x;
    const a = Int32Array.from({ length: n }, () => ctx.rng.int(size));
    const b = partners(a, this.p.distinct_pairs ? this.staticIds(ctx) : null, size, ctx.rng);
    const A = ctx.dataset.batch(a), B = ctx.dataset.batch(b);
    const swapped = new Float32Array(n * T * C), recon = new Float32Array(n * T * C);
    const chunk = Math.max(1, ctx.batchSize);
    for (let lo = 0; lo < n; lo += chunk) {
      const m = Math.min(n, lo + chunk) - lo;
      const [sw, re] = tf.tidy(() => {
        const ea = model.encodeParts(tf.slice(A.x, [lo], [m])), eb = model.encodeParts(tf.slice(B.x, [lo], [m]));
        return [model.decodeParts(ea.static, eb.dynamic).dataSync(), model.decodeParts(ea.static, ea.dynamic).dataSync()];
      });
      swapped.set(sw, lo * T * C);
      recon.set(re, lo * T * C);
    }
    const data = A.x.dataSync(), dataB = B.x.dataSync();
    const sa = A[this.p.static_key].dataSync(), sb = B[this.p.static_key].dataSync();
    const ra = A[this.p.dynamic_key].dataSync(), rb = B[this.p.dynamic_key].dataSync();
    tf.dispose([...Object.values(A), ...Object.values(B)]);
    const read = (v: ArrayLike<number>, i: number) => analyseSeries((v as Float32Array).subarray(i * T * C, (i + 1) * T * C), T, C, this.p, this.p.frequency_axis);
    this.picture(ctx, Math.min(this.p.pictures, n), T, C, { data, dataB, swapped, recon }, read);
    const tally = { offA: 0, offB: 0, freqA: 0, freqB: 0, regA: 0, regB: 0, rOff: 0, rFreq: 0, rReg: 0, dOff: 0, dFreq: 0, dReg: 0 };
    for (let i = 0; i < n; i++) {
      const s = read(swapped, i), r = read(recon, i), d = read(data, i);
      tally.offA += Number(s.offset === sa[2 * i]); tally.offB += Number(s.offset === sb[2 * i]);
      tally.freqA += Number(s.frequency === sa[2 * i + 1]); tally.freqB += Number(s.frequency === sb[2 * i + 1]);
      tally.rOff += Number(r.offset === sa[2 * i]); tally.rFreq += Number(r.frequency === sa[2 * i + 1]);
      tally.dOff += Number(d.offset === sa[2 * i]); tally.dFreq += Number(d.frequency === sa[2 * i + 1]);
      for (let t = 0; t < T; t++) {
        tally.regA += Number(s.regimes[t] === ra[i * T + t]) / T;
        tally.regB += Number(s.regimes[t] === rb[i * T + t]) / T;
        tally.rReg += Number(r.regimes[t] === ra[i * T + t]) / T;
        tally.dReg += Number(d.regimes[t] === ra[i * T + t]) / T;
      }
    }
    return {
      offset_from_A: tally.offA / n, offset_from_B: tally.offB / n,
      frequency_from_A: tally.freqA / n, frequency_from_B: tally.freqB / n,
      regime_from_B: tally.regB / n, regime_from_A: tally.regA / n,
      recon_offset: tally.rOff / n, recon_frequency: tally.rFreq / n, recon_regime: tally.rReg / n,
      data_offset: tally.dOff / n, data_frequency: tally.dFreq / n, data_regime: tally.dReg / n, pairs: n,
    };
  }

  /** Every series' static ids, `[size · 2]`: what distinct pairs are drawn from. */
  private staticIds(ctx: ModelMetricContext): ArrayLike<number> {
    const all = ctx.dataset.batch(Int32Array.from({ length: ctx.dataset.size }, (_, i) => i));
    const ids = all[this.p.static_key].dataSync();
    tf.dispose(Object.values(all));
    return ids;
  }

  private picture(ctx: ModelMetricContext, rows: number, T: number, C: number, v: Record<'data' | 'dataB' | 'swapped' | 'recon', ArrayLike<number>>,
    read: (v: ArrayLike<number>, i: number) => { amplitude: Float64Array }): void {
    if (rows <= 0) return;
    const block = (x: ArrayLike<number>, i: number) => (x as Float32Array).subarray(i * T * C, (i + 1) * T * C);
    const ch0 = (x: ArrayLike<number>, i: number) => seriesPoints(column(x, T, C, 0, i));
    this.tracker.logArtifact('analytic_swap.png', seriesGridPng(Array.from({ length: rows }, (_, i) => {
      const first = [{ label: 'A', points: ch0(v.data, i) }, { label: 'recon A', points: ch0(v.recon, i) }, { label: 'swap', points: ch0(v.swapped, i) }];
      if (this.p.frequency_axis === 'time') return [first, [{ label: 'B', points: ch0(v.dataB, i) }, { label: 'swap', points: ch0(v.swapped, i) }]];
      const envelope = [{ label: 'B amplitude', points: seriesPoints(read(v.dataB, i).amplitude) }, { label: 'swap amplitude', points: seriesPoints(read(v.swapped, i).amplitude) }];
      const profile = [{ label: 'A at step 0', points: seriesPoints(block(v.data, i).subarray(0, C)) }, { label: 'swap at step 0', points: seriesPoints(block(v.swapped, i).subarray(0, C)) }];
      return [first, envelope, profile];
    })));
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
      frequency_axis: { enum: ['time', 'channels'], default: 'time', description: "'channels' for SyntheticSeries with channels > 1 and drift 0" },
      distinct_pairs: { type: 'boolean', default: true },
      pictures: { type: 'integer', minimum: 0, default: 4 },
    },
  },
  create: (p, ctx) => new AnalyticSwap(p, ctx.resolve(TRACKER)),
});
