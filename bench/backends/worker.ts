/**
 * Runs the benchmark workloads on one tfjs backend and prints one JSON line per workload.
 * Spawned by run.ts (one process per backend, so backends never share a heap or thread pool).
 * Usage: tsx bench/backends/worker.ts --backend libtorch|wasm|cpu --workloads ae,lstm,gru,unet --steps N [--ae-batch 32]
 *        [--unet-batch 8] [--device cpu|cuda|cuda:N] [--threads 1] (the last two: libtorch only)
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerAllGradients } from '../../framework/backends/tfjs-gradients.ts';
import { registerLibtorch } from '@untangle/tfjs-backend-libtorch';
import { buildWorkload } from './workloads/index.ts';
import { Adam, trainStep } from './workloads/params.ts';

const arg = (k: string, d: string) => { const i = process.argv.indexOf(`--${k}`); return i >= 0 ? process.argv[i + 1] : d; };
const backend = arg('backend', 'libtorch');
const steps = Number(process.argv.lastIndexOf('--steps') >= 0 ? process.argv[process.argv.lastIndexOf('--steps') + 1] : '10');
const aeBatch = Number(arg('ae-batch', '32'));
const unetBatch = Number(arg('unet-batch', '8'));
const device = arg('device', 'cpu');
const threads = Number(arg('threads', '1'));
const median = (a: number[]) => { const s = [...a].sort((p, q) => p - q); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

async function setup(): Promise<string> {
  await registerAllGradients();
  if (backend === 'libtorch') {
    const r = await registerLibtorch({ threads, device });
    if (!r.ok) throw new Error(r.reason);
    return `libtorch ${r.versions.libtorch} on ${r.versions.device}${r.versions.gpu ? ` (${r.versions.gpu}, driver ${r.versions.cudaDriver})` : ''}`;
  }
  if (backend === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    const here = dirname(fileURLToPath(import.meta.url));
    const custom = join(here, '..', '..', 'framework', 'backends', 'wasm', 'index.ts');
    if (existsSync(custom)) {
      const m = (await import(custom)) as { registerWasmTrainingKernels?: () => unknown };
      await m.registerWasmTrainingKernels?.();
      return 'wasm + untangle training kernels';
    }
    return 'stock tfjs-backend-wasm 4.22 (framework/backends/wasm/index.ts not on this branch)';
  }
  return 'tfjs-backend-cpu 4.22';
}

/** Kernel-call overhead on this backend: tiny Add through tfjs (engine + backend) per call. */
function kernelOverheadUs(): number {
  const a = tf.scalar(1), b = tf.scalar(2);
  const n = 2000;
  for (let i = 0; i < 200; i++) tf.add(a, b).dispose();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tf.add(a, b).dispose();
  const us = ((performance.now() - t0) * 1000) / n;
  tf.dispose([a, b]);
  return us;
}

async function main(): Promise<void> {
  const detail = await setup();
  await tf.setBackend(backend);
  for (const name of arg('workloads', 'ae,lstm,gru,unet').split(',')) {
    const res: Record<string, unknown> = { backend, workload: name, detail, steps, device: backend === 'libtorch' ? device : 'cpu',
      batch: name.startsWith('ae') ? aeBatch : name === 'unet' ? unetBatch : 32 };
    try {
      const w = buildWorkload(name, aeBatch, unetBatch);
      const opt = new Adam(w.params, 1e-4);
      const t0 = performance.now();
      res.loss0 = trainStep(w.params, opt, w.loss);
      res.warmupMs = performance.now() - t0;
      const ts: number[] = [];
      let last = 0;
      for (let i = 0; i < steps; i++) { const t = performance.now(); last = trainStep(w.params, opt, w.loss); ts.push(performance.now() - t); }
      res.trainMs = median(ts);
      res.lossLast = last;
      const fwd = () => tf.tidy(() => { w.forward().dataSync(); });
      fwd();
      const fs: number[] = [];
      for (let i = 0; i < steps; i++) { const t = performance.now(); fwd(); fs.push(performance.now() - t); }
      res.fwdMs = median(fs);
      const prof = await tf.profile(() => { tf.tidy(() => { const g = tf.variableGrads(w.loss, Object.values(w.params)); return g.value; }); });
      res.kernelsPerStep = prof.kernels.length;
      opt.dispose();
      tf.dispose([...w.inputs, ...Object.values(w.params)]);
    } catch (e) {
      res.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
    res.kernelOverheadUs = kernelOverheadUs();
    console.log(JSON.stringify(res));
  }
}

await main();
