/**
 * Kernel profile of one benchmark training step (forward + backward + Adam) on one backend:
 * kernel count and time by kernel name, slowest first. Used to find where a step loses time.
 * Usage: npx tsx bench/backends/profile.ts [--backend libtorch] [--workloads ae,lstm,gru,unet] [--top 25]
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerAllGradients } from '../../framework/backends/tfjs-gradients.ts';
import { registerLibtorch } from '@untangle/tfjs-backend-libtorch';
import { Adam } from './workloads/params.ts';
import { buildWorkload } from './workloads/index.ts';

const arg = (k: string, d: string) => { const i = process.argv.indexOf(`--${k}`); return i >= 0 ? process.argv[i + 1] : d; };
const backend = arg('backend', 'libtorch');
const top = Number(arg('top', '25'));

await registerAllGradients();
if (backend === 'libtorch') { const r = await registerLibtorch({ threads: 1 }); if (!r.ok) throw new Error(r.reason); }
await tf.setBackend(backend);

for (const name of arg('workloads', 'ae,lstm,gru,unet').split(',')) {
  const w = buildWorkload(name, Number(arg('ae-batch', '32')));
  const opt = new Adam(w.params, 1e-4);
  const step = () => { const { value, grads } = tf.variableGrads(w.loss, Object.values(w.params)); opt.apply(grads); value.dataSync(); tf.dispose([value, ...Object.values(grads)]); };
  step(); step();
  const t0 = performance.now(); step(); const wall = performance.now() - t0;
  const info = await tf.profile(step);
  const by = new Map<string, { n: number; ms: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const e = by.get(k.name) ?? { n: 0, ms: 0 };
    e.n++; e.ms += ms; by.set(k.name, e);
  }
  console.log(`\n${name}: ${info.kernels.length} kernels/step, step ${wall.toFixed(1)} ms unprofiled, sum of kernel times ${total.toFixed(1)} ms`);
  for (const [k, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) console.log(`  ${k.padEnd(28)} ${String(e.n).padStart(5)}  ${e.ms.toFixed(2).padStart(8)} ms  ${(1000 * e.ms / e.n).toFixed(1).padStart(8)} us/call`);
  opt.dispose();
  tf.dispose([...w.inputs, ...Object.values(w.params)]);
}
