import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AnalyticSwap, type AnalyticSwapParams } from '../components/metrics/sequential/analytic-swap.ts';
import { analyseSeries, channelAmplitudes, localAmplitude, peakFrequency } from '../components/metrics/sequential/series-factors.ts';
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
  static_key: 'static', dynamic_key: 'dynamic', frequency_axis: 'time', distinct_pairs: false, pictures: 3,
};
/** The multi-channel standing wave: 16 channels, whole cycles across them, drift 0. */
const WIDE: SyntheticSeriesParams = { ...DATA, length: 48, frequencies: [1 / 16, 2 / 16, 3 / 16, 4 / 16], channels: 16, drift: 0 };
const WIDE_PARAMS: AnalyticSwapParams = { ...PARAMS, frequencies: WIDE.frequencies, frequency_axis: 'channels', distinct_pairs: true };

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
    const T = this.ds.p.length, C = this.ds.p.channels, v = x.dataSync(), n = x.shape[0];
    const s = new Float32Array(2 * n), d = new Float32Array(n * T);
    for (let i = 0; i < n; i++) {
      const k = this.byFirst.get(Array.from(v.subarray(i * T * C, i * T * C + 4)).join(','));
      if (k === undefined) throw new Error('not a series of the data set');
      s.set(this.ds.staticOf(k), 2 * i);
      d.set(this.ds.series(k).regimes, i * T);
    }
    return { static: tf.tensor2d(s, [n, 2]), dynamic: tf.tensor3d(d, [n, T, 1]) };
  }
  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D): tf.Tensor {
    const { length: T, channels: C, drift, offsets, frequencies, regime_amplitudes: amps } = this.ds.p;
    const sv = s.dataSync(), dv = d.dataSync(), n = s.shape[0];
    const out = new Float32Array(n * T * C);
    for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
      const amp = amps[this.ignoreDynamic ? 1 : dv[i * T + t]];
      out[(i * T + t) * C + c] = offsets[sv[2 * i]] + amp * Math.sin(2 * Math.PI * frequencies[sv[2 * i + 1]] * (c + drift * t));
    }
    return tf.tensor3d(out, [n, T, C]);
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
    const r = analyseSeries(y, 100, 1, PARAMS);
    expect([r.offset, r.frequency]).toEqual([2, 2]);
    expect(new Set(r.regimes)).toEqual(new Set([2])); // 1.4 is nearest 1.6 among 0.2, 0.8, 1.6
  });

  it('across channels: a step holding 2 cycles of amplitude 1.4, then one of amplitude 0.3', () => {
    const C = 16, block = new Float32Array(2 * C);
    for (let c = 0; c < C; c++) {
      block[c] = -0.5 + 1.4 * Math.sin(2 * Math.PI * (2 / C) * c + 1.1);
      block[C + c] = -0.5 + 0.3 * Math.sin(2 * Math.PI * (2 / C) * c + 1.1);
    }
    // Whole cycles over the channels: the mean of sin² is exactly 1/2, so √2·RMS is the amplitude.
    const amp = channelAmplitudes(block, 2, C);
    expect(amp[0]).toBeCloseTo(1.4, 5);
    expect(amp[1]).toBeCloseTo(0.3, 5);
    const r = analyseSeries(block, 2, C, WIDE_PARAMS, 'channels');
    expect([r.offset, r.frequency]).toEqual([1, 1]);
    expect(Array.from(r.regimes)).toEqual([2, 0]);
  });

  it('reads the generator\'s own series near-exactly, on both axes (the swap\'s measuring stick)', () => {
    for (const [data, params] of [[{ ...DATA, length: 64, replicates: 2 }, PARAMS], [{ ...WIDE, replicates: 2 }, WIDE_PARAMS]] as const) {
      const ds = new SyntheticSeries(data);
      let off = 0, fr = 0, reg = 0;
      for (let k = 0; k < ds.size; k++) {
        const s = ds.series(k), [o, f] = ds.staticOf(k);
        const r = analyseSeries(s.x, data.length, ds.p.channels, params, params.frequency_axis);
        off += +(r.offset === o); fr += +(r.frequency === f);
        reg += r.regimes.reduce((a, v, t) => a + +(v === s.regimes[t]), 0) / data.length;
      }
      expect(off / ds.size).toBeGreaterThan(0.9);
      expect(fr / ds.size).toBeGreaterThan(0.9);
      // Along time the window straddles regime changes; across channels each step is read alone.
      expect(reg / ds.size).toBeGreaterThan(params.frequency_axis === 'channels' ? 0.97 : 0.6);
    }
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
    expect(s.recon_offset).toBeGreaterThan(0.95);
    expect(s.recon_regime).toBeGreaterThan(0.75);
  });

  it('across channels, with B differing from A in both static factors: following B scores exactly 0', async () => {
    const ds = new SyntheticSeries(WIDE);
    const logged: Record<string, Uint8Array> = {};
    const s = await new AnalyticSwap(WIDE_PARAMS).evaluate(metricContext(new OracleSeries(ds), ds, 3, (path, data) => { logged[path] = data as Uint8Array; }));
    expect(s.offset_from_A).toBe(1);
    expect(s.frequency_from_A).toBe(1);
    expect(s.offset_from_B).toBe(0);
    expect(s.frequency_from_B).toBe(0);
    expect(s.regime_from_B).toBeGreaterThan(0.97);
    expect(s.data_regime).toBeGreaterThan(0.97);
    // Three rows of three panels (series, amplitude envelope, channel profile).
    const png = Buffer.from(logged['analytic_swap.png']);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([968, 488]);
    const blind = await new AnalyticSwap(WIDE_PARAMS).evaluate(metricContext(new OracleSeries(ds, true), ds, 3));
    expect(blind.regime_from_B).toBeLessThan(0.6);
  });

  it('a decoder that ignores d loses B\'s regimes', async () => {
    const ds = new SyntheticSeries(DATA);
    const s = await new AnalyticSwap(PARAMS).evaluate(metricContext(new OracleSeries(ds, true), ds, 2));
    expect(s.offset_from_A).toBeGreaterThan(0.95);
    expect(s.regime_from_B).toBeLessThan(0.6);
    expect(createRegistry().get('untangle.metrics.AnalyticSwap')?.kind).toBe('metric');
  });
});
