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
import { kernelTable } from '../twin/kernel-table.ts';

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
  const [head, ...rows] = kernelTable(info, wall, top);
  console.log(`\n${name}: ${head}`);
  for (const r of rows) console.log(r);
  opt.dispose();
  tf.dispose([...w.inputs, ...Object.values(w.params)]);
}
