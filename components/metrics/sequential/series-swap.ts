import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { isStaticDynamicModel } from '../../models/sequential/types.ts';

export interface SeriesSwapParams {
  n_pairs: number;
  /** The generator's factor values (SyntheticSeries' offsets, frequencies, regime_amplitudes). */
  offsets: number[];
  frequencies: number[];
  regime_amplitudes: number[];
  /** Half-width of the window the local RMS (the regime's amplitude) is read over. */
  window: number;
}

/** The nearest value's index. */
function nearest(v: number, values: readonly number[]): number {
  let best = 0;
  values.forEach((c, i) => { if (Math.abs(c - v) < Math.abs(values[best] - v)) best = i; });
  return best;
}

/**
 * What a series shows of each factor, read analytically (no judge): offset = the series mean,
 * frequency = the periodogram's peak over the candidate frequencies, regime per step = the local
 * RMS around the mean (a sine of amplitude A has RMS A/√2), each mapped to the nearest generator value.
 */
export function readSeriesFactors(x: Float32Array, p: SeriesSwapParams): { offset: number; frequency: number; regimes: Int32Array } {
  const T = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / T;
  let bestF = 0, bestPow = -1;
  p.frequencies.forEach((f, k) => {
    let re = 0, im = 0;
    for (let t = 0; t < T; t++) { re += (x[t] - mean) * Math.cos(2 * Math.PI * f * t); im += (x[t] - mean) * Math.sin(2 * Math.PI * f * t); }
    const pow = re * re + im * im;
    if (pow > bestPow) { bestPow = pow; bestF = k; }
  });
  const rmsLevels = p.regime_amplitudes.map((a) => a / Math.SQRT2);
  const regimes = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    let ss = 0, n = 0;
    for (let u = Math.max(0, t - p.window); u <= Math.min(T - 1, t + p.window); u++) { ss += (x[u] - mean) ** 2; n++; }
    regimes[t] = nearest(Math.sqrt(ss / n), rmsLevels);
  }
  return { offset: nearest(mean, p.offsets), frequency: bestF, regimes };
}

/**
 * The analytic swap on procedural series: for random pairs (A, B), decode s from A with d from B
 * and read the factors off the generated series. `swap/offset_from_a` and
 * `swap/frequency_from_a` are the share whose static factors are A's; `swap/regime_from_b` the
 * share of steps whose regime is B's. `recon/*` reads the same off decode(s_A, d_A) against A's
 * labels (the ceiling the decoder allows); `data/*` reads them off A itself (the reader's own
 * accuracy). Pairs are drawn with A and B differing in both static factors, so following B
 * would score 0 on the static rows.
 */
export class SeriesSwap implements ModelMetric {
  constructor(readonly p: SeriesSwapParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const m = ctx.model;
    if (!isStaticDynamicModel(m)) throw new UntangleError('series_swap.model', 'SeriesSwap needs a static/dynamic model (encodeParts/decodeParts)', {});
    const n = Math.min(this.p.n_pairs, ctx.dataset.size);
    const a = Array.from(ctx.rng.permutation(ctx.dataset.size).subarray(0, n));
    const labels = (idx: number[]) => {
      const b = ctx.dataset.batch(idx);
      const out = { x: b.x, stat: b.static.dataSync(), dyn: b.dynamic.dataSync() };
      return out;
    };
    const la = labels(a);
    // B: the first later candidate whose offset and frequency both differ from A's.
    const pool = Array.from(ctx.rng.permutation(ctx.dataset.size));
    const statAll = ctx.dataset.batch(pool).static.dataSync();
    const b = a.map((_, i) => {
      const j = pool.findIndex((_, k) => statAll[2 * k] !== la.stat[2 * i] && statAll[2 * k + 1] !== la.stat[2 * i + 1]);
      if (j < 0) throw new UntangleError('series_swap.pairs', 'no partner differing in both static factors', {});
      const pick = pool[j];
      pool.splice(j, 1); statAll.copyWithin(2 * j, 2 * j + 2);
      return pick;
    });
    const lb = labels(b);
    const T = la.x.shape[1] as number;
    const counts = { so: 0, sf: 0, sr: 0, ro: 0, rf: 0, rr: 0, dO: 0, dF: 0, dR: 0 };
    const chunk = Math.max(1, ctx.batchSize);
    for (let lo = 0; lo < n; lo += chunk) {
      const hi = Math.min(n, lo + chunk);
      const [swap, recon] = tf.tidy(() => {
        const xa = tf.slice(la.x, [lo], [hi - lo]), xb = tf.slice(lb.x, [lo], [hi - lo]);
        const pa = m.encodeParts(xa), pb = m.encodeParts(xb);
        return [m.decodeParts(pa.static, pb.dynamic).dataSync(), m.decodeParts(pa.static, pa.dynamic).dataSync()];
      });
      const xaData = tf.slice(la.x, [lo], [hi - lo]).dataSync();
      for (let i = lo; i < hi; i++) {
        const off = (i - lo) * T;
        const rs = readSeriesFactors(Float32Array.from(swap.subarray(off, off + T)), this.p);
        const rr = readSeriesFactors(Float32Array.from(recon.subarray(off, off + T)), this.p);
        const rd = readSeriesFactors(Float32Array.from(xaData.subarray(off, off + T)), this.p);
        counts.so += +(rs.offset === la.stat[2 * i]); counts.sf += +(rs.frequency === la.stat[2 * i + 1]);
        counts.ro += +(rr.offset === la.stat[2 * i]); counts.rf += +(rr.frequency === la.stat[2 * i + 1]);
        counts.dO += +(rd.offset === la.stat[2 * i]); counts.dF += +(rd.frequency === la.stat[2 * i + 1]);
        for (let t = 0; t < T; t++) {
          counts.sr += +(rs.regimes[t] === lb.dyn[i * T + t]);
          counts.rr += +(rr.regimes[t] === la.dyn[i * T + t]);
          counts.dR += +(rd.regimes[t] === la.dyn[i * T + t]);
        }
      }
    }
    return {
      'swap/offset_from_a': counts.so / n, 'swap/frequency_from_a': counts.sf / n, 'swap/regime_from_b': counts.sr / (n * T),
      'recon/offset': counts.ro / n, 'recon/frequency': counts.rf / n, 'recon/regime': counts.rr / (n * T),
      'data/offset': counts.dO / n, 'data/frequency': counts.dF / n, 'data/regime': counts.dR / (n * T),
      pairs: n,
    };
  }
}

export const seriesSwapSpec = defineComponent<SeriesSwapParams, SeriesSwap>({
  target: 'untangle.metrics.SeriesSwap',
  kind: 'metric',
  description: 'Analytic swap on procedural series: decode (s_A, d_B), read offset/frequency (should be A\'s) and regime (B\'s)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      n_pairs: { type: 'integer', minimum: 1, default: 64 },
      offsets: { type: 'array', items: { type: 'number' }, minItems: 1, default: [-1.5, -0.5, 0.5, 1.5] },
      frequencies: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, default: [0.02, 0.05, 0.1, 0.2] },
      regime_amplitudes: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, default: [0.2, 0.8, 1.6] },
      window: { type: 'integer', minimum: 1, default: 4 },
    },
  },
  create: (p) => new SeriesSwap(p),
});
