import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AnalyticSwap, analyseSeries, localAmplitude, peakFrequency, type AnalyticSwapParams } from '../components/metrics/sequential/analytic-swap.ts';
import { SyntheticSeries, type SyntheticSeriesParams } from '../components/datasets/sequential/timeseries/synthetic-series.ts';
import type { StaticDynamicModel } from '../components/models/sequential/types.ts';
import type { Outputs } from '../framework/contracts/index.ts';
import { createRegistry } from '../registry.ts';
import { metricContext } from './helpers/code-model.ts';

tf.setBackend('cpu');

const DATA: SyntheticSeriesParams = {
  length: 96, offsets: [-1.5, -0.5, 0.5, 1.5], frequencies: [0.02, 0.05, 0.1, 0.2], regime_amplitudes: [0.2, 0.8, 1.6],
  stay_probability: 0.95, replicates: 8, noise: 0.05, seed: 1,
};
const PARAMS: AnalyticSwapParams = {
  n_pairs: 120, offsets: DATA.offsets, frequencies: DATA.frequencies, regime_amplitudes: DATA.regime_amplitudes,
  static_key: 'static', dynamic_key: 'dynamic', pictures: 3,
};

/**
 * An oracle "model": it looks each input up in the data set to get its true factors (s = offset
 * and frequency ids, d_t = regime id) and decodes codes with the generator's formula. Its swaps
 * are perfect by construction, so the metric must report A's static and B's dynamic factors.
 * `ignoreDynamic` decodes every step with regime 1, a model whose d carries nothing.
 */
class OracleSeries implements StaticDynamicModel {
  readonly staticDim = 2;
  readonly dynamicDim = 1;
  private readonly byFirst = new Map<string, number>();
  constructor(readonly ds: SyntheticSeries, readonly ignoreDynamic = false) {
    for (let k = 0; k < ds.size; k++) this.byFirst.set(Array.from(ds.series(k).x.subarray(0, 4)).join(','), k);
  }
  encodeParts(x: tf.Tensor): { static: tf.Tensor2D; dynamic: tf.Tensor3D } {
    const T = this.ds.p.length, v = x.dataSync(), n = x.shape[0];
    const s = new Float32Array(2 * n), d = new Float32Array(n * T);
    for (let i = 0; i < n; i++) {
      const k = this.byFirst.get(Array.from(v.subarray(i * T, i * T + 4)).join(','));
      if (k === undefined) throw new Error('not a series of the data set');
      s.set(this.ds.staticOf(k), 2 * i);
      d.set(this.ds.series(k).regimes, i * T);
    }
    return { static: tf.tensor2d(s, [n, 2]), dynamic: tf.tensor3d(d, [n, T, 1]) };
  }
  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D): tf.Tensor {
    const T = this.ds.p.length, sv = s.dataSync(), dv = d.dataSync(), n = s.shape[0];
    const out = new Float32Array(n * T);
    for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) {
      const amp = DATA.regime_amplitudes[this.ignoreDynamic ? 1 : dv[i * T + t]];
      out[i * T + t] = DATA.offsets[sv[2 * i]] + amp * Math.sin(2 * Math.PI * DATA.frequencies[sv[2 * i + 1]] * t);
    }
    return tf.tensor3d(out, [n, T, 1]);
  }
  sampleStatic(): tf.Tensor2D { throw new Error('no prior'); }
  sampleDynamic(): tf.Tensor3D { throw new Error('no prior'); }
  forward(): Outputs { return {}; }
  namedVariables(): Map<string, tf.Variable> { return new Map(); }
  trainableVariables(): tf.Variable[] { return []; }
}

describe('analytic series reading', () => {
  it('periodogram peak and local amplitude of a known sinusoid', () => {
    const y = Array.from({ length: 100 }, (_, t) => 0.7 + 1.4 * Math.sin(2 * Math.PI * 0.1 * t + 0.3));
    expect(peakFrequency(y)).toBeCloseTo(0.1, 12);
    const amp = localAmplitude(y, 10);
    for (const a of amp) expect(a).toBeCloseTo(1.4, 6);
    const r = analyseSeries(y, PARAMS);
    expect([r.offset, r.frequency]).toEqual([2, 2]);
    expect(new Set(r.regimes)).toEqual(new Set([2])); // 1.4 is nearest 1.6 among 0.2, 0.8, 1.6
  });
});

describe('AnalyticSwap', () => {
  it('perfect swaps keep A\'s offset and frequency and B\'s regimes; the data ceiling is high too', async () => {
    const ds = new SyntheticSeries(DATA);
    const logged: Record<string, Uint8Array> = {};
    const s = await new AnalyticSwap(PARAMS).evaluate(metricContext(new OracleSeries(ds), ds, 2, (path, data) => { logged[path] = data as Uint8Array; }));
    // Three rows of two 320 × 160 panels, 4 px apart.
    const png = Buffer.from(logged['analytic_swap.png']);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([644, 488]);
    expect(s.offset_from_A).toBeGreaterThan(0.95);
    expect(s.frequency_from_A).toBeGreaterThan(0.95);
    expect(s.regime_from_B).toBeGreaterThan(0.8);
    // Random pairs share B's static factors about a quarter of the time, and A's regimes about a third.
    expect(s.offset_from_B).toBeLessThan(0.45);
    expect(s.regime_from_A).toBeLessThan(0.6);
    expect(s.data_offset).toBeGreaterThan(0.9);
    expect(s.data_frequency).toBeGreaterThan(0.9);
    expect(s.data_regime).toBeGreaterThan(0.75);
  });

  it('a decoder that ignores d loses B\'s regimes', async () => {
    const ds = new SyntheticSeries(DATA);
    const s = await new AnalyticSwap(PARAMS).evaluate(metricContext(new OracleSeries(ds, true), ds, 2));
    expect(s.offset_from_A).toBeGreaterThan(0.95);
    expect(s.regime_from_B).toBeLessThan(0.6);
    expect(createRegistry().get('untangle.metrics.AnalyticSwap')?.kind).toBe('metric');
  });
});
