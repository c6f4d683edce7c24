/**
 * Runs the benchmark workloads on one tfjs backend and prints one JSON line per workload.
 * Spawned by run.ts (one process per backend, so backends never share a heap or thread pool).
 * Usage: tsx bench/backends/worker.ts --backend libtorch|wasm|cpu --workloads ae,lstm,gru,unet --steps N [--ae-batch 32]
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerAllGradients } from '../../framework/backends/tfjs-gradients.ts';
import { registerLibtorch } from '../../framework/backends/libtorch/index.ts';
import { Rng } from '../../framework/util/rng.ts';
import { buildConvAE } from './workloads/conv-ae.ts';
import { Adam, mse, trainStep, type Params } from './workloads/params.ts';
import { buildRnn } from './workloads/rnn.ts';
import { buildUNet, timestepFeatures } from './workloads/unet.ts';

const arg = (k: string, d: string) => { const i = process.argv.indexOf(`--${k}`); return i >= 0 ? process.argv[i + 1] : d; };
const backend = arg('backend', 'libtorch');
const steps = Number(process.argv.lastIndexOf('--steps') >= 0 ? process.argv[process.argv.lastIndexOf('--steps') + 1] : '10');
const aeBatch = Number(arg('ae-batch', '32'));
const median = (a: number[]) => { const s = [...a].sort((p, q) => p - q); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

async function setup(): Promise<string> {
  await registerAllGradients();
  if (backend === 'libtorch') {
    const r = await registerLibtorch({ threads: 1 });
    if (!r.ok) throw new Error(r.reason);
    return `libtorch ${r.versions.libtorch}`;
  }
  if (backend === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    const here = dirname(fileURLToPath(import.meta.url));
    const custom = join(here, '..', '..', 'framework', 'backends', 'wasm-kernels.ts');
    if (existsSync(custom)) {
      const m = (await import(custom)) as { registerWasmTrainingKernels?: () => unknown };
      await m.registerWasmTrainingKernels?.();
      return 'wasm + untangle training kernels';
    }
    return 'stock tfjs-backend-wasm 4.22 (framework/backends/wasm-kernels.ts not on this branch)';
  }
  return 'tfjs-backend-cpu 4.22';
}

interface Work { params: Params; loss: () => tf.Scalar; forward: () => tf.Tensor; inputs: tf.Tensor[] }

function workload(name: string): Work {
  const rng = new Rng(1);
  if (name === 'ae') {
    const ae = buildConvAE(3, 64);
    const x = tf.tensor(rng.fillUniform(new Float32Array(aeBatch * 64 * 64 * 3)), [aeBatch, 64, 64, 3]) as tf.Tensor4D;
    return { params: ae.params, loss: () => mse(ae.forward(x), x), forward: () => ae.forward(x), inputs: [x] };
  }
  if (name === 'lstm' || name === 'gru') {
    const m = buildRnn(name, 3);
    const x = tf.tensor(rng.fillUniform(new Float32Array(32 * 8 * 64)), [32, 8, 64]) as tf.Tensor3D;
    return { params: m.params, loss: () => mse(m.forward(x), x), forward: () => m.forward(x), inputs: [x] };
  }
  if (name === 'unet') {
    const u = buildUNet(3);
    const x = tf.tensor(rng.fillNormal(new Float32Array(8 * 32 * 32 * 3)), [8, 32, 32, 3]) as tf.Tensor4D;
    const noise = tf.tensor(rng.fillNormal(new Float32Array(8 * 32 * 32 * 3)), [8, 32, 32, 3]);
    const t = timestepFeatures(Array.from({ length: 8 }, (_, i) => 10 * i));
    return { params: u.params, loss: () => mse(u.forward(x, t), noise), forward: () => u.forward(x, t), inputs: [x, noise, t] };
  }
  throw new Error(`unknown workload ${name}`);
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
    const res: Record<string, unknown> = { backend, workload: name, detail, steps };
    try {
      const w = workload(name);
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
