import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerAllGradients } from '../../framework/backends/tfjs-gradients.ts';
import { registerLibtorch } from '../../framework/backends/libtorch/index.ts';
import { Adam } from './workloads/params.ts';
import { buildWorkload } from './workloads/index.ts';
await registerAllGradients();
await registerLibtorch({ threads: 1 }); await tf.setBackend('libtorch');
for (const name of (process.argv[2] ?? 'ae').split(',')) {
const w = buildWorkload(name);
const opt = new Adam(w.params, 1e-4);
const step = () => { const { value, grads } = tf.variableGrads(w.loss, Object.values(w.params)); opt.apply(grads); value.dataSync(); tf.dispose([value, ...Object.values(grads)]); };
step(); step();
const f0 = process.resourceUsage().minorPageFault;
const ts = [];
for (let i = 0; i < 8; i++) { const t = performance.now(); step(); ts.push(performance.now() - t); }
const f1 = process.resourceUsage().minorPageFault;
ts.sort((a, b) => a - b);
console.log(name, 'median ms', ts[4].toFixed(1), 'min', ts[0].toFixed(1), 'faults/step', (f1 - f0) / 8);
}
