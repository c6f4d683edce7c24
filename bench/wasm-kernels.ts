/**
 * Times the reference conv-AE training step (docs/backend-notes.md: batch 32, 64×64×3, Adam
 * 1e-4) on tfjs-wasm with the stock kernels and with untangle's training kernels added group by
 * group. Each configuration runs in its own process, because kernels are registered per process.
 *
 *   npx tsx bench/wasm-kernels.ts [--steps=5] [--batch=32] [--profile]
 *
 * Not a test: timings depend on the machine and on what else runs on it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { registerWasmTrainingKernels, type WasmKernelParts } from '../framework/backends/wasm/index.ts';
import { buildConvAE, randomImages } from './reference-conv-ae.ts';

const CONFIGS: Record<string, Partial<WasmKernelParts>> = {
  stock: { filterGrad: false, inputGrad: false, matMul: false, samePad: false },
  'filter grad only': { filterGrad: true, inputGrad: false, matMul: false, samePad: false },
  '+ sub-pixel input grad': { filterGrad: true, inputGrad: true, matMul: false, samePad: false },
  'all (+ XNNPACK matmul, explicit same pads)': {},
};

function flag(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

async function child(label: string): Promise<void> {
  const steps = flag('steps', 5);
  const batch = flag('batch', 32);
  registerWasmTrainingKernels(CONFIGS[label]); // first registration wins, so selectBackend adds nothing
  await selectBackend('wasm');
  const ae = buildConvAE(1);
  const x = randomImages(3, batch);
  const opt = tf.train.adam(1e-4);
  const step = (): number => {
    const loss = opt.minimize(() => ae.loss(x), true, ae.vars);
    if (!loss) throw new Error('minimize returned no loss');
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  let t = performance.now();
  let first: number;
  try {
    first = step();
  } catch (e) {
    console.log(`${label.padEnd(44)} cannot train: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const warm = performance.now() - t;
  const times: number[] = [];
  let last = first;
  for (let i = 0; i < steps; i++) {
    t = performance.now();
    last = step();
    times.push(performance.now() - t);
  }
  const fwd: number[] = [];
  for (let i = 0; i < steps; i++) {
    t = performance.now();
    tf.tidy(() => {
      ae.forward(x).dataSync(); // never return the array from tidy: tidy walks it element by element
    });
    fwd.push(performance.now() - t);
  }
  if (process.argv.includes('--profile')) {
    const info = await tf.profile(() => {
      step();
    });
    const byKernel = new Map<string, { ms: number; n: number }>();
    for (const k of info.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.n++;
      byKernel.set(k.name, e);
    }
    const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
    console.log(`  profile of one step: ${top.map(([k, v]) => `${k} ${v.ms.toFixed(0)}ms×${v.n}`).join(', ')}`);
  }
  console.log(
    `${label.padEnd(44)} train ${median(times).toFixed(0)} ms/step (min ${Math.min(...times).toFixed(0)}, warm-up ${warm.toFixed(0)}), ` +
      `forward ${median(fwd).toFixed(0)} ms, loss ${first.toFixed(5)} → ${last.toFixed(5)}, tensors ${tf.memory().numTensors}`,
  );
}

const childArg = process.argv.find((a) => a.startsWith('--child='));
if (childArg) {
  await child(childArg.slice('--child='.length));
} else {
  console.log(`reference conv AE, batch ${flag('batch', 32)}, median of ${flag('steps', 5)} steps after 1 warm-up, tfjs-wasm SIMD 1 thread`);
  for (const label of Object.keys(CONFIGS)) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--child=${label}`, ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    if (r.status !== 0) console.log(`${label}: child exited with ${r.status}`);
  }
}
