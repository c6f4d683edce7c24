// Many Adam updates on untangle's backend, for comparison with torch.optim.Adam on the same
// gradient sequence (the one-step checks compare gradients, not updates):
//
//   npx tsx bench/parity/adam-trajectory.ts OUT_DIR [--steps N] [--backend B]
//
// A parameter vector of 4096 numbers and N gradients drawn from a seeded Rng (heavy-tailed and
// shrinking, as a training run's), Adam lr 1e-4, betas (0.9, 0.999), eps 1e-8 (the β-VAE config's).
// Writes p0, the gradients and the parameter after each of the steps in `--every`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendRequest } from '../../framework/backends/select.ts';
import { encodeSafetensors, type NamedArray } from '../../framework/trainer/safetensors.ts';
import { Adam } from '../../components/optim/adam.ts';
import { Rng } from '../../framework/util/rng.ts';

const argv = process.argv.slice(2);
const out = argv[0];
const opt = (k: string, d: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d);
const steps = Number(opt('--steps', '4800'));
const every = Number(opt('--every', '600'));
const choice = await selectBackend(opt('--backend', 'auto') as BackendRequest, { threads: 1, log: () => {} });
const n = 4096;
const rng = new Rng(5);
const p0 = rng.fillNormal(new Float32Array(n), 0, 0.05);
const grads = new Float32Array(steps * n);
for (let s = 0; s < steps; s++) {
  const scale = 1 / Math.sqrt(1 + s / 100);
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    grads[s * n + i] = scale * (0.01 * i / n + z * Math.abs(z));   // a drift plus heavy-tailed noise
  }
}
const v = tf.variable(tf.tensor1d(p0));
const adam = new Adam({ lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8 });
const tensors = new Map<string, NamedArray>([['p0', { data: p0, shape: [n] }], ['grads', { data: grads, shape: [steps, n] }]]);
for (let s = 0; s < steps; s++) {
  const g = tf.tensor1d(grads.subarray(s * n, (s + 1) * n));
  adam.apply([v], [g], 1e-4);
  g.dispose();
  if ((s + 1) % every === 0) tensors.set(`p.${String(s + 1).padStart(6, '0')}`, { data: Float32Array.from(v.dataSync()), shape: [n] });
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'adam.safetensors'), encodeSafetensors(tensors, { backend: choice.name }));
console.log(JSON.stringify({ out, steps, backend: choice.name }));
