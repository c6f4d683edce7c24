import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { Rng } from '../framework/util/rng.ts';
import { EDMHeun, EDM_HEUN_PROPERTIES } from '../components/samplers/edm-heun.ts';
import { DiffSDA } from '../components/models/diffsda/diffsda.ts';
import { SyntheticSeries, type SyntheticSeriesParams } from '../components/datasets/sequential/timeseries/synthetic-series.ts';
import { SeriesPictures } from '../components/metrics/sequential/series-pictures.ts';
import { GeneratedSeries, histogramTv, seriesStats } from '../components/metrics/sequential/generated-series.ts';
import type { ModelMetricContext } from '../framework/contracts/index.ts';
import { createRegistry } from '../registry.ts';

beforeAll(async () => { await selectBackend('cpu'); });

const heun = Object.fromEntries(Object.entries(EDM_HEUN_PROPERTIES).map(([k, v]) => [k, v.default])) as unknown as ConstructorParameters<typeof EDMHeun>[0];
const WIDE: SyntheticSeriesParams = {
  length: 12, offsets: [-1.5, -0.5, 0.5, 1.5], frequencies: [1 / 8, 2 / 8], regime_amplitudes: [0.2, 0.8, 1.6],
  stay_probability: 0.9, replicates: 4, noise: 0.05, channels: 8, drift: 0, seed: 2,
};

function context(model: unknown, ds: SyntheticSeries, logged: Record<string, Uint8Array>): ModelMetricContext {
  return { model, dataset: ds, rng: new Rng(3), batchSize: 16, storeDir: '', logArtifact: (p, d) => { logged[p] = d as Uint8Array; } } as ModelMetricContext;
}

const pngSize = (b: Uint8Array) => { const png = Buffer.from(b); return [png.readUInt32BE(16), png.readUInt32BE(20)]; };

describe('SeriesPictures', () => {
  it('logs reconstructions and swaps of a DiffSDA as PNGs, one row per example and one panel per feature', async () => {
    const ds = new SyntheticSeries(WIDE);
    const model = new DiffSDA({
      frame_shape: [8], frames: 12, s_dim: 3, d_dim: 1, hidden_dim: 4, mlp_hidden_dim: 2, mlp_hidden_dim_enc: 2, mlp_layers: 2,
      dropout: 0, sigma_data: 1, p_mean: -0.4, p_std: 1, noise_tiles: 1, diffusion_steps: 3, shared_noise: false, sampler: null, sample_seed: 0,
    }, new EDMHeun(heun), new Rng(1));
    const logged: Record<string, Uint8Array> = {};
    const s = await new SeriesPictures({ rows: 3, features: [0, 5], inverted: true }).evaluate(context(model, ds, logged));
    expect(s.pictured).toBe(3);
    // 3 rows × 2 panels of 320 × 160, 4 px apart.
    expect(pngSize(logged['series_recon.png'])).toEqual([644, 488]);
    expect(pngSize(logged['series_swap.png'])).toEqual([644, 488]);
    await expect(new SeriesPictures({ rows: 1, features: [8], inverted: false }).evaluate(context(model, ds, {}))).rejects.toThrow(/out of range/);
    expect(createRegistry().get('untangle.metrics.SeriesPictures')?.kind).toBe('metric');
  });
});

describe('GeneratedSeries', () => {
  it('pooled statistics of a sinusoid and a hand-counted histogram distance', () => {
    // sin over 10 whole periods: mean 0, variance 1/2, lag-1 autocorrelation ≈ cos(2π·0.1).
    const y = Float32Array.from({ length: 100 }, (_, t) => Math.sin(2 * Math.PI * 0.1 * t));
    const st = seriesStats(y, 1, 100, 1);
    expect(st.mean).toBeCloseTo(0, 5);
    expect(st.std).toBeCloseTo(Math.SQRT1_2, 5);
    expect(st.ac1).toBeCloseTo(Math.cos(2 * Math.PI * 0.1), 1);
    // [½, ½] against [¼, ¾]: TV = ½(¼ + ¼).
    expect(histogramTv([0, 0, 1, 1], [0, 1, 1, 1], 2)).toBeCloseTo(0.25, 12);
  });

  it('a generator that replays the data matches it; one stuck at a single offset is 3/4 away in offset', async () => {
    const ds = new SyntheticSeries({ ...WIDE, replicates: 16 });
    const factors = { offsets: WIDE.offsets, frequencies: WIDE.frequencies, regime_amplitudes: WIDE.regime_amplitudes, frequency_axis: 'channels' as const };
    const replay = { generate: (n: number, rng: Rng) => ds.batch(rng.permutation(ds.size).subarray(0, n)).x };
    const logged: Record<string, Uint8Array> = {};
    const good = await new GeneratedSeries({ n_samples: 96, factors, pictures: 2 }).evaluate(context(replay, ds, logged));
    expect(Math.abs(good['gen/mean'] - good['data/mean'])).toBeLessThan(0.3);
    expect(good['gen/std'] / good['data/std']).toBeGreaterThan(0.8);
    expect(good['tv/offset']).toBeLessThan(0.2);
    expect(good['tv/regime']).toBeLessThan(0.15);
    expect(pngSize(logged['generated_series.png'])).toEqual([644, 324]);
    // Every generated series at offset level 2 of 4 (equal shares in the data): TV = 3/4.
    const stuck = { generate: (n: number) => tf.fill([n, WIDE.length, WIDE.channels ?? 1], WIDE.offsets[2]) };
    const bad = await new GeneratedSeries({ n_samples: 96, factors, pictures: 0 }).evaluate(context(stuck, ds, {}));
    expect(bad['tv/offset']).toBeGreaterThan(0.6);
    await expect(new GeneratedSeries({ n_samples: 4, factors: null, pictures: 0 }).evaluate(context({}, ds, {}))).rejects.toThrow(/generates sequences/);
  });
});
