import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { VQModel } from '../components/models/autoencoder/vq-model.ts';
import { VQLoss } from '../components/losses/autoencoder/losses.ts';
import { PatchDiscriminator } from '../components/losses/autoencoder/discriminator.ts';
import { executeRun } from '../framework/run/execute.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { readSafetensors } from '../framework/trainer/safetensors.ts';
import { ComponentRegistry } from '../framework/registry/registry.ts';
import { ALL_SPECS } from '../registry.ts';
import { writeTree } from './helpers/fixtures.ts';
import { TOY_SPECS } from './helpers/toy-components.ts';
import { Rng } from '../framework/util/rng.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

const DD = { double_z: false, z_channels: 3, resolution: 16, in_channels: 3, out_ch: 3, ch: 8, ch_mult: [1, 2], num_res_blocks: 1, attn_resolutions: [], norm_groups: 4, attn_heads: 1 };
const ctx = (step: number, group?: string) => ({ step, training: true, rng: new Rng(step), group });

function setup(discStart = 0) {
  const m = new VQModel({ ddconfig: DD, embed_dim: 3, n_embed: 16, ema: false, ema_decay: 0.99, codebook_init: 'uniform', restart_dead: false, dead_threshold: 0.1 }, new Rng(1));
  const disc = new PatchDiscriminator({ in_channels: 3, ndf: 4, n_layers: 2 }, new Rng(2));
  const loss = new VQLoss({ rec_loss: 'l1', perceptual_weight: 0, lpips_weights: null, codebook_weight: 1, beta: 0.25, discriminator: disc, disc_start: discStart, disc_weight: 0.75, disc_factor: 1 });
  const x = tf.tensor4d(new Rng(3).fillUniform(new Float32Array(2 * 16 * 16 * 3)), [2, 16, 16, 3]);
  return { m, disc, loss, x };
}

describe('patch-GAN term of the autoencoder losses', () => {
  it('discriminator pass: ½[mean relu(1 − D(x)) + mean relu(1 + D(x̂))] on images in [−1, 1]', () => {
    const { m, disc, loss, x } = setup();
    const out = m.forward({ x }, ctx(0));
    const r = loss.compute({ x }, out, ctx(0, 'discriminator'));
    const real = disc.forward(tf.sub(tf.mul(x, 2), 1)).dataSync();
    const fake = disc.forward(out.recon).dataSync();
    const mean = (a: ArrayLike<number>, f: (v: number) => number) => Array.from(a).reduce((s, v) => s + f(v), 0) / a.length;
    const hinge = 0.5 * (mean(real, (v) => Math.max(0, 1 - v)) + mean(fake, (v) => Math.max(0, 1 + v)));
    expect(r.total.dataSync()[0]).toBeCloseTo(hinge, 4);
    expect(loss.paramGroups().map((g) => g.name)).toEqual(['discriminator']);
    expect([...loss.namedVariables().keys()].every((k) => k.startsWith('discriminator.'))).toBe(true);
  });

  it("generator pass: the adaptive weight is disc_weight·‖∇_W nll‖/(‖∇_W g‖ + 1e−4) at the decoder's last layer (checked by autodiff through the whole model)", () => {
    const { m, disc, loss, x } = setup();
    const r = loss.compute({ x }, m.forward({ x }, ctx(0)), ctx(0));
    const dWeight = r.terms.d_weight.dataSync()[0];
    const W = m.decoder.lastLayerWeight;
    const x11 = tf.sub(tf.mul(x, 2), 1);
    const gNll = tf.variableGrads(() => tf.mean(tf.abs(tf.sub(x11, m.forward({ x }, ctx(0)).recon))) as tf.Scalar, [W]).grads[W.name];
    const gG = tf.variableGrads(() => tf.neg(tf.mean(disc.forward(m.forward({ x }, ctx(0)).recon))) as tf.Scalar, [W]).grads[W.name];
    const expected = 0.75 * Math.min(1e4, tf.norm(gNll).dataSync()[0] / (tf.norm(gG).dataSync()[0] + 1e-4));
    expect(dWeight).toBeCloseTo(expected, 3);
    // total = rec + codebook terms + d_weight·g_loss
    const base = r.terms.rec_loss.dataSync()[0] + r.terms.quant_loss.dataSync()[0];
    expect(r.total.dataSync()[0]).toBeCloseTo(base + dWeight * r.terms.g_loss.dataSync()[0], 4);
  });

  it('before disc_start the generator term is absent and the discriminator group inactive', () => {
    const { m, loss, x } = setup(5);
    const r = loss.compute({ x }, m.forward({ x }, ctx(2)), ctx(2));
    expect(r.terms.g_loss).toBeUndefined();
    expect(loss.paramGroups()[0].activeAt?.(4)).toBe(false);
    expect(loss.paramGroups()[0].activeAt?.(5)).toBe(true);
  });

  it('a run trains the discriminator with its own optimiser and checkpoints it; off without a discriminator', async () => {
    const cfg = `model:
  target: untangle.models.VQModel
  params: {embed_dim: 3, n_embed: 16, ddconfig: {double_z: false, z_channels: 3, resolution: 8, in_channels: 1, out_ch: 1, ch: 4, ch_mult: [1, 2], num_res_blocks: 1, attn_resolutions: [], norm_groups: 4}}
loss:
  target: untangle.losses.VQLoss
  params:
    discriminator: {target: untangle.models.PatchDiscriminator, params: {in_channels: 1, ndf: 4, n_layers: 1}}
    disc_start: 1
data:
  batch_size: 4
  train: {target: test.datasets.Bars}
trainer:
  max_steps: 3
  log_every: 1
  ckpt_every: 3
  progress: none
  optimizer: {target: untangle.optim.Adam, params: {lr: 1.0e-3, betas: [0.5, 0.9]}}
  optimizers:
    discriminator: {target: untangle.optim.Adam, params: {lr: 1.0e-3, betas: [0.5, 0.9]}}
runtime: {backend: cpu}
`;
    const dir = writeTree({ 'gan.yaml': cfg });
    const registry = new ComponentRegistry().registerAll([...ALL_SPECS, ...TOY_SPECS]);
    const out = await executeRun({ registry, baseFiles: ['gan.yaml'], overrides: [], cwd: dir, log: () => undefined });
    expect(out.status).toBe('FINISHED');
    const store = new FileStore(join(dir, 'runs'));
    // the discriminator's loss is logged from disc_start on: steps 1 and 2 (windows ending at 2 and 3)
    expect(store.metricHistory(out.runId, 'train/disc_loss').map((p) => p.step)).toEqual([2, 3]);
    expect(store.metricHistory(out.runId, 'train/d_weight').map((p) => p.step)).toEqual([2, 3]);
    const keys = [...readSafetensors(join(store.artifactDir(out.runId)!, 'checkpoints/last.safetensors')).tensors.keys()];
    expect(keys.some((k) => k.startsWith('optimizer.discriminator/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('loss/discriminator.'))).toBe(true);
    // switched off: no discriminator, so trainer.optimizers.discriminator names no group
    await expect(executeRun({ registry, baseFiles: ['gan.yaml'], overrides: ['loss.params.discriminator=null'], cwd: dir, log: () => undefined }))
      .rejects.toMatchObject({ code: 'param-group-unknown' });
  });
});
