import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { Rng } from '../framework/util/rng.ts';
import { TanhRNN } from '../components/nn/index.ts';
import { EDMHeun, EDM_HEUN_PROPERTIES } from '../components/samplers/edm-heun.ts';
import { DiffSDA, diffSdaSpec, type DiffSdaParams } from '../components/models/diffsda/diffsda.ts';
import { DiffSDASimulation } from '../components/datasets/sequential/timeseries/diffsda-simulation.ts';
import { FilmMlp } from '../components/models/diffsda/film-mlp.ts';

beforeAll(async () => { await selectBackend('cpu'); });

const defaults = Object.fromEntries(Object.entries(EDM_HEUN_PROPERTIES).map(([k, v]) => [k, v.default])) as unknown as ConstructorParameters<typeof EDMHeun>[0];

function tinyModel(over: Partial<DiffSdaParams> = {}): DiffSDA {
  const p: DiffSdaParams = {
    frame_shape: [2], frames: 5, s_dim: 3, d_dim: 2, hidden_dim: 4, mlp_hidden_dim: 2, mlp_hidden_dim_enc: 2, mlp_layers: 3,
    dropout: 0.1, sigma_data: 1, p_mean: -0.4, p_std: 1, noise_tiles: 3, diffusion_steps: 4, shared_noise: false, sampler: null, sample_seed: 0,
    ...over,
  };
  return new DiffSDA(p, new EDMHeun({ ...defaults, steps: 99 }), new Rng(1));
}

describe('TanhRNN', () => {
  it('computes h_t = tanh(x_t W_ih + b_ih + h_{t−1} W_hh + b_hh) step by step', () => {
    const rnn = new TanhRNN(2, 3, new Rng(5));
    const x = tf.tensor3d([[[0.5, -1], [2, 0.25], [-0.75, 1.5]]]);
    const out = rnn.forward(x);
    const Wi = rnn.weightIh.arraySync() as number[][], Wh = rnn.weightHh.arraySync() as number[][];
    const bi = rnn.biasIh.arraySync() as number[], bh = rnn.biasHh.arraySync() as number[];
    let h = [0, 0, 0];
    const xs = (x.arraySync() as number[][][])[0];
    const got = (out.output.arraySync() as number[][][])[0];
    xs.forEach((xt, t) => {
      h = [0, 1, 2].map((j) => Math.tanh(xt[0] * Wi[0][j] + xt[1] * Wi[1][j] + bi[j] + bh[j] + h.reduce((a, hk, k) => a + hk * Wh[k][j], 0)));
      h.forEach((v, j) => expect(got[t][j]).toBeCloseTo(v, 5));
    });
    (out.h.arraySync() as number[][])[0].forEach((v, j) => expect(v).toBeCloseTo(h[j], 5));
  });
});

describe('DiffSDA', () => {
  it('denoises noise_tiles × B × T rows with one σ each (bug 2: the tiling is a parameter), passing the mask on', () => {
    const m = tinyModel();
    const x = tf.randomNormal([2, 5, 2], 0, 1, 'float32', 3) as tf.Tensor3D;
    const mask = tf.tensor3d(Array.from({ length: 20 }, (_, i) => (i % 7 === 0 ? 0 : 1)), [2, 5, 2]);
    const out = m.forward({ x, mask }, { step: 0, training: true, rng: new Rng(2) });
    expect(out.denoised.shape).toEqual([30, 2]);
    expect(out.sigma.shape).toEqual([30]);
    expect(out.mask.shape).toEqual([30, 2]);
    // Missing entries are zeroed in the target, and every tile carries the same target rows.
    const tgt = out.target.arraySync() as number[][], mk = out.mask.arraySync() as number[][];
    tgt.forEach((row, r) => row.forEach((v, c) => { if (mk[r][c] === 0) expect(Math.abs(v)).toBe(0); }));
    expect(tgt.slice(0, 10)).toEqual(tgt.slice(10, 20));
    // σ is per row, so tiles differ.
    const s = out.sigma.dataSync();
    expect(new Set(Array.from(s)).size).toBe(30);
  });

  it('samples with diffusion_steps, not the sampler default: 2T − 1 denoiser calls (bug 13)', () => {
    const m = tinyModel({ diffusion_steps: 4 });
    let calls = 0;
    const orig = m.denoiser.denoise.bind(m.denoiser);
    m.denoiser.denoise = (...a) => { calls++; return orig(...a); };
    const x = tf.randomNormal([2, 5, 2], 0, 1, 'float32', 4);
    const { static: s, dynamic: d } = m.encodeParts(x);
    expect(s.shape).toEqual([2, 3]);
    expect(d.shape).toEqual([2, 5, 2]);
    const y = m.decodeParts(s, d);
    expect(y.shape).toEqual([2, 5, 2]);
    expect(calls).toBe(7);
    // Deterministic given the codes (fixed sample seed, dropout off outside forward).
    expect(Array.from(m.decodeParts(s, d).dataSync())).toEqual(Array.from(y.dataSync()));
    const props = (diffSdaSpec.schema as { properties: Record<string, { default?: unknown }> }).properties;
    expect(props.diffusion_steps.default).not.toBe(1000);
  });

  it('reconstruction from the inverted x_T differs from the one from fresh noise and uses x', () => {
    const m = tinyModel({ diffusion_steps: 6 });
    const x = tf.randomNormal([1, 5, 2], 0, 1, 'float32', 6);
    const inv = m.invert(x);
    expect(inv.shape).toEqual([1, 5, 2]);
    const a = m.reconstruct(x, true).dataSync(), b = m.reconstruct(x, false).dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});

describe('DiffSDASimulation', () => {
  it('draws the trend sign as the static factor and the seasonality as the dynamic one', () => {
    const ds = new DiffSDASimulation({ size: 8, length: 100, slope: 0.03, offset: 1.5, rates: [0.6366, 0.3183], amplitudes: [1.8, 1.2], noise: 0, seed: 0 });
    const b = ds.batch([0, 1, 2, 3]);
    expect(Array.from(b.static.dataSync())).toEqual([0, 1, 0, 1]);
    const dyn = b.dynamic.arraySync() as number[][][];
    expect(dyn.map((r) => r[0][0])).toEqual([0, 0, 1, 1]);
    const x = b.x.arraySync() as number[][][];
    // Noise-free: the first-half/second-half means differ by the trend, slope·50 = 1.5, up for 0 and down for 1.
    const half = (r: number[][], lo: number) => r.slice(lo, lo + 50).reduce((a, v) => a + v[0], 0) / 50;
    expect(half(x[0], 50) - half(x[0], 0)).toBeGreaterThan(1.2);
    expect(half(x[1], 50) - half(x[1], 0)).toBeLessThan(-1.2);
  });
});

describe('FilmMlp', () => {
  it('modulates every layer as h·(1 + scale) + shift, scale and shift the halves of one projection (checked in plain JS)', () => {
    const m = new FilmMlp({ features: 2, width: 3, layers: 1, condDim: 2, embedDim: 4, dropout: 0 }, new Rng(9));
    const x = tf.tensor2d([[0.3, -1.2], [1.5, 0.4]]);
    const cNoise = tf.tensor1d([0.1, -0.3]);
    const a = tf.tensor2d([[0.7, -0.2], [-1.1, 0.5]]);
    const got = m.denoise(x, cNoise, a).arraySync() as number[][];
    // The same network written out: Linear, t-FiLM, a-FiLM, LayerNorm, SiLU, output Linear.
    const mat = (v: tf.Variable) => v.arraySync() as number[][];
    const vec = (v: tf.Variable | null) => (v ? (v.arraySync() as number[]) : []);
    const lin = (r: number[], w: number[][], b: number[]) => b.map((bj, j) => bj + r.reduce((s, ri, i) => s + ri * w[i][j], 0));
    const silu = (v: number) => v / (1 + Math.exp(-v));
    const emb = m.embed.forward(cNoise).arraySync() as number[][];
    const want = (x.arraySync() as number[][]).map((row, n) => {
      let z = lin(row, mat(m.mlp.blocks[0].weight), vec(m.mlp.blocks[0].bias));
      for (const [f, c] of [[m.tFilm[0], emb[n]], [m.aFilm[0], (a.arraySync() as number[][])[n]]] as const) {
        const p = lin(c, mat(f.weight), vec(f.bias));
        z = z.map((v, j) => v * (1 + p[j]) + p[3 + j]);
      }
      const mean = z.reduce((s, v) => s + v, 0) / 3;
      const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / 3;
      const h = z.map((v) => silu((v - mean) / Math.sqrt(variance + 1e-5)));   // LayerNorm starts at weight 1, bias 0
      return lin(h, mat(m.out.weight), vec(m.out.bias));
    });
    got.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 5)));
  });
});
