// Rough per-part timings of the CPU preset (render vs VQ step), to size the preset.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { createShapes3D } from '../components/datasets/shapes3d/specs.ts';
import { VQModel } from '../components/models/autoencoder/vq-model.ts';
import { Rng } from '../framework/util/rng.ts';

await selectBackend('wasm', { threads: 2, log: () => {} });
const ds = createShapes3D();
let t0 = Date.now();
const b = ds.batch(Array.from({ length: 16 }, (_, i) => i * 997));
console.log('render 16', Date.now() - t0, 'ms');
const m = new VQModel({ ddconfig: { double_z: false, z_channels: 3, resolution: 64, in_channels: 3, out_ch: 3, ch: 16, ch_mult: [1, 2, 2], num_res_blocks: 1, attn_resolutions: [], norm_groups: 8, attn_heads: 1 }, embed_dim: 3, n_embed: 256, ema: false, ema_decay: 0.99, codebook_init: 'uniform', restart_dead: false, dead_threshold: 0.1 }, new Rng(1));
for (let i = 0; i < 3; i++) {
  t0 = Date.now();
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.abs(tf.sub(m.forward(b, { step: 0, training: true, rng: new Rng(1) }).recon, b.x))) as tf.Scalar, m.trainableVariables());
  value.dataSync(); tf.dispose(Object.values(grads)); value.dispose();
  console.log('vq step', Date.now() - t0, 'ms');
}
