import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { Rng } from '../framework/util/rng.ts';
import { Downsample, ResBlock } from '../components/models/autoencoder/blocks.ts';
import { EDMHeun, EDM_HEUN_PROPERTIES } from '../components/samplers/edm-heun.ts';
import { DiffSDA, type DiffSdaParams } from '../components/models/diffsda/diffsda.ts';
import { FrameEncoder } from '../components/models/diffsda/frame-encoder.ts';
import { CondUNet } from '../components/models/diffsda/cond-unet.ts';
import { CodeMoments } from '../components/models/diffsda/code-moments.ts';
import { EdmLoss } from '../components/losses/edm.ts';
import { edmCoefficientArrays } from '../components/losses/edm-precond.ts';
import { Sprites } from '../components/datasets/sequential/sprites.ts';
import { isStaticDynamicModel } from '../components/models/sequential/types.ts';

beforeAll(async () => { await selectBackend('cpu'); });

const heunDefaults = Object.fromEntries(Object.entries(EDM_HEUN_PROPERTIES).map(([k, v]) => [k, v.default])) as unknown as ConstructorParameters<typeof EDMHeun>[0];
const FRAME = [8, 8, 3];

function parts(s = 3, d = 2, condDim = s + d) {
  const encoder = new FrameEncoder({ frameShape: FRAME, channels: 4, chMult: [1, 2], numResBlocks: 1, attn: [1], groups: 2, hidden: 5, staticDim: s, dynamicDim: d }, new Rng(3));
  const denoiser = new CondUNet({ frame_shape: FRAME, unets_channels: 4, ch_mult: [1, 2], num_res_blocks: 1, attn: [], num_heads: 1, norm_groups: 2, cond_dim: condDim }, new Rng(4));
  return { encoder, denoiser };
}

function videoModel(over: Partial<DiffSdaParams> = {}): DiffSDA {
  const p: DiffSdaParams = {
    frame_shape: FRAME, frames: 3, s_dim: 3, d_dim: 2, hidden_dim: 4, mlp_hidden_dim: 2, mlp_hidden_dim_enc: 2, mlp_layers: 1,
    dropout: 0, sigma_data: 0.5, p_mean: -1.2, p_std: 1.2, noise_tiles: 1, diffusion_steps: 2, shared_noise: true, sampler: null, sample_seed: 0,
    ...parts(), ...over,
  };
  return new DiffSDA(p, new EDMHeun({ ...heunDefaults }), new Rng(1));
}

describe('ResBlock second scale-shift (a_τ)', () => {
  it('with a zero conditioning is exactly the plain block built from the same seed; a non-zero one changes it', () => {
    const plain = new ResBlock(4, 6, 2, new Rng(7), 5, true);
    const cond = new ResBlock(4, 6, 2, new Rng(7), 5, true, 3);
    const x = tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 1);
    const emb = tf.randomNormal([2, 5], 0, 1, 'float32', 2);
    const a0 = tf.zeros([2, 3]);
    expect(Array.from(cond.forward(x, emb, a0).dataSync())).toEqual(Array.from(plain.forward(x, emb).dataSync()));
    const a1 = tf.randomNormal([2, 3], 0, 1, 'float32', 3);
    const diff = tf.max(tf.abs(tf.sub(cond.forward(x, emb, a1), plain.forward(x, emb)))).dataSync()[0];
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('applies h·(1+scale_a)+shift_a after the time scale-shift: a bias-only projection shifts conv2 input by a known map', () => {
    // With conv2 the identity-centre kernel and zero bias and no skip conv (in = out), a shift-only
    // conditioning c adds conv2(silu(h + c)) − conv2(silu(h)) to the output; with a large negative
    // scale (−1) the modulated h is 0, so the output is x + conv2(silu(shift)) = x + silu(shift).
    const blk = new ResBlock(2, 2, 1, new Rng(9), 0, false, 1);
    const k = new Float32Array(3 * 3 * 2 * 2);
    for (let c = 0; c < 2; c++) k[((1 * 3 + 1) * 2 + c) * 2 + c] = 1;
    blk.conv2.weight.assign(tf.tensor(k, [3, 3, 2, 2]));
    blk.conv2.bias?.assign(tf.zeros([2]));
    blk.condProj?.weight.assign(tf.zeros([1, 4]));
    blk.condProj?.bias?.assign(tf.tensor1d([-1, -1, 0.5, -2]));
    const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 5);
    const got = blk.forward(x, undefined, tf.ones([1, 1])).arraySync() as number[][][][];
    const silu = (v: number) => v / (1 + Math.exp(-v));
    const xs = x.arraySync() as number[][][][];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      expect(got[0][i][j][0]).toBeCloseTo(xs[0][i][j][0] + silu(0.5), 5);
      expect(got[0][i][j][1]).toBeCloseTo(xs[0][i][j][1] + silu(-2), 5);
    }
  });
});

describe('Downsample padding', () => {
  it('symmetric (1,1) centres output i on input 2i; LDM asymmetric (0,1) on 2i+1', () => {
    const centre = new Float32Array(9);
    centre[4] = 1;
    const x = tf.tensor4d(Float32Array.from({ length: 64 }, (_, i) => i), [1, 8, 8, 1]);
    const pick = (symmetric: boolean) => {
      const d = new Downsample(1, new Rng(0), symmetric);
      d.conv.weight.assign(tf.tensor(centre, [3, 3, 1, 1]));
      d.conv.bias?.assign(tf.zeros([1]));
      return d.forward(x);
    };
    const sym = pick(true), asym = pick(false);
    expect(sym.shape).toEqual([1, 4, 4, 1]);
    expect(asym.shape).toEqual([1, 4, 4, 1]);
    const s = sym.dataSync(), a = asym.dataSync();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      expect(s[i * 4 + j]).toBe((2 * i) * 8 + 2 * j);
      expect(a[i * 4 + j]).toBe((2 * i + 1) * 8 + 2 * j + 1);
    }
  });
});

describe('DiffSDA video parts', () => {
  it('frame encoder: [B, T, H, W, C] → s [B, s_dim], d [B, T, d_dim] via a 1-channel (H/2)·(W/2) map per frame', () => {
    const { encoder } = parts();
    expect(encoder.frames.outDim).toBe(16);
    const { s, d } = encoder.encode(tf.randomUniform([2, 3, ...FRAME], 0, 1, 'float32', 1));
    expect(s.shape).toEqual([2, 3]);
    expect(d.shape).toEqual([2, 3, 2]);
  });

  it('an untrained model denoises to c_skip·y (the UNet output conv starts at zero)', () => {
    const m = videoModel();
    const x = tf.randomUniform([2, 3, ...FRAME], 0, 1, 'float32', 2);
    const out = m.forward({ x }, { step: 0, training: true, rng: new Rng(2) });
    expect(out.denoised.shape).toEqual([6, ...FRAME]);
    // target is the data mapped to [−1, 1].
    const t = out.target.dataSync(), xs = x.dataSync();
    expect(t[0]).toBeCloseTo(2 * xs[0] - 1, 6);
    const cSkip = edmCoefficientArrays(out.sigma.dataSync(), 0.5).cSkip;
    // noisy = denoised / c_skip; recover it row-wise and check the loss sees λ-weighted error.
    const per = FRAME.reduce((a, b) => a * b, 1);
    const den = out.denoised.dataSync();
    const noisy = Float32Array.from(den, (v, i) => v / cSkip[Math.floor(i / per)]);
    const noise = Float32Array.from(noisy, (v, i) => v - t[i]);
    // The noise is N(0, σ²) per row: its per-row scale matches σ within sampling error.
    const sig = out.sigma.dataSync();
    for (let r = 0; r < 6; r++) {
      let ss = 0;
      for (let i = 0; i < per; i++) ss += noise[r * per + i] ** 2;
      expect(Math.sqrt(ss / per) / sig[r]).toBeGreaterThan(0.75);
      expect(Math.sqrt(ss / per) / sig[r]).toBeLessThan(1.25);
    }
  });

  it('the denoising loss reaches the encoder once the UNet output conv is non-zero (and not while it is zero)', () => {
    const m = videoModel();
    const loss = new EdmLoss({ sigma_data: 0.5 } as ConstructorParameters<typeof EdmLoss>[0]);
    const x = tf.randomUniform([2, 3, ...FRAME], 0, 1, 'float32', 4);
    const encVars = m.encoder.trainableVariables();
    const gradNorm = () => {
      const { grads } = tf.variableGrads(() => loss.compute({ x }, m.forward({ x }, { step: 0, training: true, rng: new Rng(5) }), { step: 0, training: true, rng: new Rng(6) }).total, encVars);
      return Object.values(grads).reduce((a, g) => a + tf.sum(tf.square(g)).dataSync()[0], 0);
    };
    expect(gradNorm()).toBe(0);
    const out = (m.denoiser as CondUNet).unet.decoder.namedTrainableVariables();
    for (const [name, v] of out) if (name.startsWith('conv_out')) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 8));
    expect(gradNorm()).toBeGreaterThan(1e-8);
  });

  it('is a StaticDynamicModel: decodes [B, T, H, W, C] in [0, 1] and samples codes from its ex-post moments', () => {
    const m = videoModel();
    expect(isStaticDynamicModel(m)).toBe(true);
    const x = tf.randomUniform([2, 3, ...FRAME], 0, 1, 'float32', 7);
    const { static: s, dynamic: d } = m.encodeParts(x);
    const y = m.decodeParts(s, d);
    expect(y.shape).toEqual([2, 3, ...FRAME]);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(m.sampleStatic(4, new Rng(1)).shape).toEqual([4, 3]);
    expect(m.sampleDynamic(4, 5, new Rng(1)).shape).toEqual([4, 5, 2]);
  });

  it('refuses parts whose code sizes disagree with s_dim / d_dim', () => {
    expect(() => videoModel({ ...parts(3, 2, 4) })).toThrow(/must match s_dim 3, d_dim 2/);
    expect(() => videoModel({ encoder: undefined, denoiser: undefined })).toThrow(/need an encoder and a denoiser/);
  });
});

describe('CodeMoments', () => {
  it('updates as new = (1 − m)·old + m·batch (biased batch variance), from mean 0 and var 1', () => {
    const cm = new CodeMoments(2, 0.25);
    cm.update(tf.tensor2d([[1, 2], [3, 6]]));
    // batch mean (2, 4), biased variance (1, 4).
    expect(Array.from(cm.mean.dataSync())).toEqual([0.5, 1]);
    expect(Array.from(cm.variance.dataSync())).toEqual([0.75 + 0.25, 0.75 + 1]);
  });
});

describe('Sprites size', () => {
  it('the 32-px render is the 2×2 box mean of the 64-px one', () => {
    const big = new Sprites({ frames: 2 }), small = new Sprites({ frames: 2, size: 32 });
    const b = big.batch([17]), s = small.batch([17]);
    expect(s.x.shape).toEqual([1, 2, 32, 32, 3]);
    const pooled = tf.avgPool(tf.reshape(b.x, [2, 64, 64, 3]) as tf.Tensor4D, 2, 2, 'valid');
    const diff = tf.max(tf.abs(tf.sub(pooled, tf.reshape(s.x, [2, 32, 32, 3])))).dataSync()[0];
    expect(diff).toBeLessThan(1e-6);
    expect(Array.from(s.static.dataSync())).toEqual(Array.from(b.static.dataSync()));
  });
});

describe('FaceSwapHook', () => {
  it('names the missing user file in its error, and says evaluation is not implemented when files exist', async () => {
    const { FaceSwapHook } = await import('../components/metrics/sequential/face-swap-hook.ts');
    const ctx = {} as Parameters<InstanceType<typeof FaceSwapHook>['evaluate']>[0];
    await expect(new FaceSwapHook({ landmark_model: '/nonexistent/fan.pth', identity_model: 'package.json' }).evaluate(ctx)).rejects.toThrow(/landmark_model names \/nonexistent\/fan.pth/);
    await expect(new FaceSwapHook({ landmark_model: 'package.json', identity_model: 'package.json' }).evaluate(ctx)).rejects.toThrow(/not implemented/);
  });
});
