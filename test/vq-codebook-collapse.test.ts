import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { VectorQuantizer, kmeans, type CodebookOptions } from '../components/models/autoencoder/quantizer.ts';
import { VQModel } from '../components/models/autoencoder/vq-model.ts';
import { VQLoss } from '../components/losses/autoencoder/losses.ts';
const NO_GAN = { discriminator: null, disc_start: 0, disc_weight: 1, disc_factor: 1 };
import { Rng } from '../framework/util/rng.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

/**
 * Encoder outputs far from taming's init: 8 tight clusters (sd 0.05) with centres in [1, 3]³, while
 * the codebook starts in [−1/32, 1/32]³. Every point's nearest code is then one of the few codes
 * that stick out towards the positive orthant; only those receive codebook gradient, so they move
 * to the data and the rest never win a point again: collapse.
 */
const CENTRES = Array.from({ length: 8 }, (_, i) => [1 + 2 * (i & 1), 1 + (i & 2), 1 + (i & 4) / 2]);
function clusteredPoints(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const c = CENTRES[rng.int(8)];
    for (let a = 0; a < 3; a++) out[i * 3 + a] = c[a] + 0.05 * rng.normal();
  }
  return out;
}

/** 60 SGD steps on the codebook term (what straight-through training does to the codebook). */
function train(opts: Partial<CodebookOptions>): { used: number; err: number; dead: number | null } {
  const q = new VectorQuantizer(32, 3, new Rng(3), false, 0.99, 1e-5, opts);
  q.train();
  for (let step = 0; step < 60; step++) {
    const z = tf.tensor4d(clusteredPoints(256, 100 + step), [1, 16, 16, 3]);
    const { value, grads } = tf.variableGrads(() => q.forward(z).codebook, [q.embedding]);
    q.embedding.assign(tf.sub(q.embedding, tf.mul(grads[q.embedding.name], 32 * 0.5)));
    q.afterStep();
    tf.dispose([z, value, grads[q.embedding.name]]);
  }
  q.eval();
  const z = tf.tensor4d(clusteredPoints(1024, 7), [1, 32, 32, 3]);
  const out = q.forward(z);
  const used = out.usedCodes.dataSync()[0];
  const err = out.commitment.dataSync()[0];
  return { used, err, dead: q.deadCodes() };
}

describe('VQ codebook collapse and its remedies', () => {
  it('k-means finds well-separated clusters exactly (centres = cluster means)', () => {
    const pts = new Float32Array([0, 0, 0.2, 0, 10, 10, 10.2, 10]);
    const c = kmeans(pts, 4, 2, 2, 5, new Rng(1));
    const sorted = [[c[0], c[1]], [c[2], c[3]]].sort((a, b) => a[0] - b[0]);
    expect(sorted[0][0]).toBeCloseTo(0.1, 6);
    expect(sorted[0][1]).toBeCloseTo(0, 6);
    expect(sorted[1][0]).toBeCloseTo(10.1, 6);
    expect(sorted[1][1]).toBeCloseTo(10, 6);
  });

  it("taming's uniform init collapses onto a few codes; k-means init and dead-code restarts use them all", () => {
    const plain = train({});
    const km = train({ init: 'kmeans' });
    const restart = train({ restartDead: true, deadThreshold: 0.5 });
    // Without a remedy fewer codes are used than there are clusters, so clusters share a code
    // and the quantisation error is of the order of the squared distance between centres.
    expect(plain.used).toBeLessThan(8);
    expect(plain.err).toBeGreaterThan(0.1);
    // With either remedy every cluster has its own codes: the error falls to the within-cluster
    // variance (0.05² = 0.0025 per coordinate) or below.
    for (const r of [km, restart]) {
      expect(r.used).toBeGreaterThanOrEqual(16);
      expect(r.err).toBeLessThan(0.0025);
    }
    expect(restart.dead).toBe(0);
  });

  it('the k-means init runs once: a resumed quantizer (initialised buffer = 1) keeps its codebook', () => {
    const q = new VectorQuantizer(4, 3, new Rng(3), false, 0.99, 1e-5, { init: 'kmeans' });
    q.train();
    const z = tf.tensor4d(clusteredPoints(64, 1), [1, 8, 8, 3]);
    q.forward(z);
    const first = Array.from(q.embedding.dataSync());
    expect(q.namedVariables().get('initialised')?.dataSync()[0]).toBe(1);
    q.forward(tf.tensor4d(clusteredPoints(64, 2), [1, 8, 8, 3]));
    expect(Array.from(q.embedding.dataSync())).toEqual(first);
  });

  it('VQLoss logs the codebook usage (perplexity, used codes, dead codes)', () => {
    const DD = { double_z: false, z_channels: 3, resolution: 16, in_channels: 3, out_ch: 3, ch: 8, ch_mult: [1, 2], num_res_blocks: 1, attn_resolutions: [], norm_groups: 4, attn_heads: 1 };
    const m = new VQModel({ ddconfig: DD, embed_dim: 3, n_embed: 16, ema: false, ema_decay: 0.99, codebook_init: 'kmeans', restart_dead: true, dead_threshold: 0.1 }, new Rng(1));
    m.train();
    const x = tf.tensor4d(new Rng(2).fillUniform(new Float32Array(2 * 16 * 16 * 3)), [2, 16, 16, 3]);
    const ctx = { step: 0, training: true, rng: new Rng(0) };
    const out = m.forward({ x } as never, ctx);
    const { terms } = new VQLoss({ rec_loss: 'l1', perceptual_weight: 0, lpips_weights: null, codebook_weight: 1, beta: 0.25, ...NO_GAN }).compute({ x } as never, out, ctx);
    expect(Object.keys(terms)).toEqual(expect.arrayContaining(['perplexity', 'used_codes', 'dead_codes']));
    const used = terms.used_codes.dataSync()[0];
    expect(used).toBeGreaterThan(1);
    expect(used).toBeLessThanOrEqual(16);
    expect(terms.perplexity.dataSync()[0]).toBeLessThanOrEqual(used + 1e-4);
  });
});
