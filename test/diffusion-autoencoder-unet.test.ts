import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { VectorQuantizer } from '../components/models/autoencoder/quantizer.ts';
import { VQModel } from '../components/models/autoencoder/vq-model.ts';
import { AutoencoderKL } from '../components/models/autoencoder/kl-model.ts';
import { VQLoss, KLAutoencoderLoss } from '../components/losses/autoencoder/losses.ts';
import { UNet, timestepEmbedding } from '../components/models/diffusion/unet.ts';
const NO_GAN = { discriminator: null, disc_start: 0, disc_weight: 1, disc_factor: 1 };
import { Rng } from '../framework/util/rng.ts';
import { UntangleError } from '../framework/util/errors.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

/** Inputs drawn from the project's Rng (never tfjs random ops). */
const randU = (shape: number[], seed: number) => tf.tensor(new Rng(seed).fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
const randN = (shape: number[], std: number, seed: number) => tf.tensor(new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, std), shape);
const close = (a: ArrayLike<number>, b: number[], d = 5) => Array.from(a).forEach((v, i) => expect(v).toBeCloseTo(b[i], d));

function handQuantizer(ema: boolean): VectorQuantizer {
  const q = new VectorQuantizer(3, 2, new Rng(0), ema, 0.5, 1e-9);
  q.embedding.assign(tf.tensor2d([[0, 0], [1, 0], [0, 1]]));
  if (ema) q.loadWeights(new Map([['embedding', tf.tensor2d([[0, 0], [1, 0], [0, 1]])], ['cluster_size', tf.ones([3])], ['embed_sum', tf.tensor2d([[0, 0], [1, 0], [0, 1]])]]));
  return q;
}
// Two latent vectors: (0.9, 0.2) is nearest code 1 = (1, 0); (0.1, 0.1) is nearest code 0 = (0, 0).
const Z = () => tf.tensor4d([0.9, 0.2, 0.1, 0.1], [1, 1, 2, 2]);

describe('VQ codebook', () => {
  it('nearest codes, codebook and commitment terms, straight-through gradient (hand-computed)', () => {
    const q = handQuantizer(false);
    const z = tf.variable(Z());
    const out = q.forward(z);
    expect(Array.from(out.indices.dataSync())).toEqual([1, 0]);
    close(out.zq.dataSync(), [1, 0, 0, 0]);
    // mean of squared errors over the 4 numbers: (0.1² + 0.2² + 0.1² + 0.1²)/4 = 0.0175
    expect(out.codebook.dataSync()[0]).toBeCloseTo(0.0175, 6);
    expect(out.commitment.dataSync()[0]).toBeCloseTo(0.0175, 6);
    // d/de of the codebook term: −2(z − e)/4 for each used code; the unused code gets nothing.
    const { grads } = tf.variableGrads(() => q.forward(z).codebook, [q.embedding]);
    close(grads[q.embedding.name].dataSync(), [-0.05, -0.05, 0.05, -0.1, 0, 0]);
    // β·commitment moves only the encoder output: 0.25·2(z − e)/4.
    const g2 = tf.variableGrads(() => tf.mul(0.25, q.forward(z).commitment) as tf.Scalar, [z, q.embedding]).grads;
    close(g2[z.name].dataSync(), [-0.0125, 0.025, 0.0125, 0.0125]);
    close(g2[q.embedding.name].dataSync(), [0, 0, 0, 0, 0, 0]);
    // Straight-through: the quantised output passes gradient 1 to z.
    const g3 = tf.variableGrads(() => tf.sum(q.forward(z).zq) as tf.Scalar, [z]).grads;
    close(g3[z.name].dataSync(), [1, 1, 1, 1]);
  });

  it('EMA update moves each code to the decayed mean of its assignments (hand-computed, decay 0.5)', () => {
    const q = handQuantizer(true);
    q.train();
    const out = q.forward(Z());
    expect(out.codebook.dataSync()[0]).toBe(0);
    q.afterStep();
    // counts 0.5·1 + 0.5·[1, 1, 0] = [1, 1, 0.5]; sums 0.5·E + 0.5·[(0.1,0.1), (0.9,0.2), 0] → e = sum/count.
    close(q.embedding.dataSync(), [0.05, 0.05, 0.95, 0.1, 0, 1]);
  });

  it('VQLoss = mean|x − x̂| + codebook_weight·(codebook + β·commitment)', () => {
    const loss = new VQLoss({ rec_loss: 'l1', perceptual_weight: 0, lpips_weights: null, codebook_weight: 1, beta: 0.25, ...NO_GAN });
    const x = tf.tensor4d([1, 0.5], [1, 1, 1, 2]); // in [0,1] → [1, 0] in [−1,1]
    const recon = tf.tensor4d([0.5, 0.5], [1, 1, 1, 2]);
    const r = loss.compute({ x }, { recon, codebook: tf.scalar(0.2), commitment: tf.scalar(0.4) }, { step: 0, training: true, rng: new Rng(0) });
    expect(r.terms.rec_loss.dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(r.total.dataSync()[0]).toBeCloseTo(0.5 + 0.2 + 0.25 * 0.4, 6);
  });

  it('KLAutoencoderLoss = Σ(|x − x̂|/e^s + s)/B + kl_weight·KL with a learned log-variance s', () => {
    const x = tf.tensor4d([1, 0.5], [1, 1, 1, 2]);
    const recon = tf.tensor4d([0.5, 0.5], [1, 1, 1, 2]);
    const loss = new KLAutoencoderLoss({ rec_loss: 'l1', perceptual_weight: 0, lpips_weights: null, kl_weight: 0.5, logvar_init: Math.log(2), ...NO_GAN });
    const r = loss.compute({ x }, { recon, kl: tf.scalar(2) }, { step: 0, training: true, rng: new Rng(0) });
    // |diff| = [0.5, 0.5]: Σ(0.5/2 + ln 2) = 0.5 + 2 ln 2; plus 0.5·2.
    expect(r.terms.nll_loss.dataSync()[0]).toBeCloseTo(0.5 + 2 * Math.log(2), 5);
    expect(r.total.dataSync()[0]).toBeCloseTo(1.5 + 2 * Math.log(2), 5);
    expect([...loss.namedVariables().keys()]).toEqual(['logvar']);
  });

  it('LPIPS without a weight file is a clear error', () => {
    expect(() => new VQLoss({ rec_loss: 'l1', perceptual_weight: 1, lpips_weights: null, codebook_weight: 1, beta: 0.25, ...NO_GAN }))
      .toThrowError(expect.objectContaining({ code: 'lpips-no-weights' }) as unknown as UntangleError);
  });
});

const DD = { double_z: false, z_channels: 3, resolution: 16, in_channels: 3, out_ch: 3, ch: 8, ch_mult: [1, 2, 2], num_res_blocks: 1, attn_resolutions: [8], norm_groups: 4, attn_heads: 1 };

describe('autoencoders', () => {
  it('VQModel is f4 with ch_mult [1,2,2]: 16×16×3 → 4×4×embed_dim → 16×16×3', () => {
    const m = new VQModel({ ddconfig: DD, embed_dim: 3, n_embed: 16, ema: false, ema_decay: 0.99, codebook_init: 'uniform', restart_dead: false, dead_threshold: 0.1 }, new Rng(1));
    const x = randU([2, 16, 16, 3], 1);
    expect(m.encode(x).shape).toEqual([2, 4, 4, 3]);
    const out = m.forward({ x }, { step: 0, training: true, rng: new Rng(0) });
    expect(out.recon.shape).toEqual([2, 16, 16, 3]);
    expect(m.logImages({ x }).reconstruction.shape).toEqual([4, 16, 16, 3]);
  });

  it('AutoencoderKL returns the KL of its Gaussian posterior, and refuses double_z: false', () => {
    const m = new AutoencoderKL({ ddconfig: { ...DD, double_z: true, z_channels: 4 }, embed_dim: 4 }, new Rng(2));
    const x = randU([2, 16, 16, 3], 2);
    const { mean, logvar } = m.posterior(x);
    const kl = tf.div(tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mean), tf.exp(logvar)), tf.add(1, logvar)))), 2).dataSync()[0];
    const out = m.forward({ x }, { step: 0, training: true, rng: new Rng(0) });
    expect(out.kl.dataSync()[0]).toBeCloseTo(kl, 4);
    expect(out.recon.shape).toEqual([2, 16, 16, 3]);
    expect(() => new AutoencoderKL({ ddconfig: DD, embed_dim: 4 }, new Rng(2))).toThrowError(/double_z/);
  });
});

describe('UNet', () => {
  const P = { image_size: 8, in_channels: 3, out_channels: 3, model_channels: 8, channel_mult: [1, 2], num_res_blocks: 1, attention_resolutions: [2], num_heads: 2, use_scale_shift_norm: true, norm_groups: 4 };

  it('sinusoidal embedding: cos half then sin half of t·10000^(−j/half)', () => {
    const e = timestepEmbedding([3], 4).dataSync();
    close(e, [Math.cos(3), Math.cos(3 / 100), Math.sin(3), Math.sin(3 / 100)]);
  });

  it('maps [B,H,W,C] to the same shape, starts at 0 (zero output conv), and depends on t', () => {
    const u = new UNet(P, new Rng(3));
    const x = randN([2, 8, 8, 3], 1, 3);
    const y0 = u.forward(x, [5, 5]);
    expect(y0.shape).toEqual([2, 8, 8, 3]);
    expect(tf.max(tf.abs(y0)).dataSync()[0]).toBe(0);
    const w = u.namedVariables().get('decoder.conv_out.weight')!;
    w.assign(randN(w.shape, 0.1, 4));
    const a = u.forward(x, [5, 5]).dataSync();
    const b = u.forward(x, [5, 5]).dataSync();
    const c = u.forward(x, [700, 700]).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const diff = Math.max(...Array.from(a).map((v, i) => Math.abs(v - c[i])));
    expect(diff).toBeGreaterThan(1e-3);
    for (const sc of [false]) {
      const plain = new UNet({ ...P, use_scale_shift_norm: sc }, new Rng(3));
      expect(plain.forward(x, [1, 2]).shape).toEqual([2, 8, 8, 3]);
    }
  });
});
