/**
 * Times the training step of a run config on one backend and prints one JSON line (the same
 * fields as the PyTorch twins print, see timing.py). Spawned by driver.ts, one process per repeat.
 *
 * Usage: node --import tsx bench/twin/untangle-worker.ts --backend libtorch --steps N --warmup W
 *          [--profile] --base FILE [FILE ...] [-- KEY=VALUE ...]
 * --profile: instead of timing, prints the step's kernels by total time (tf.profile) on stderr.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendRequest } from '../../framework/backends/select.ts';
import { buildStep, countParams } from './untangle-step.ts';
import { kernelTable } from './kernel-table.ts';

const argv = process.argv.slice(2);
const opt = (k: string, d: string) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
const sep = argv.indexOf('--');
const baseAt = argv.indexOf('--base');
const baseFiles = baseAt < 0 ? [] : argv.slice(baseAt + 1, sep < 0 ? undefined : sep).filter((a) => !a.startsWith('--'));
const overrides = sep < 0 ? [] : argv.slice(sep + 1);
const backend = opt('backend', 'libtorch') as BackendRequest;
const steps = Number(opt('steps', '10'));
const warmup = Number(opt('warmup', '2'));

const median = (a: number[]) => { const s = [...a].sort((p, q) => p - q); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

async function main(): Promise<void> {
  const chosen = await selectBackend(backend, { threads: 1 });
  const t0 = performance.now();
  const w = buildStep(baseFiles, overrides);
  const buildMs = performance.now() - t0;
  let step = 0;
  const loss0 = w.run(step++);
  for (let i = 1; i < warmup; i++) w.run(step++);
  if (argv.includes('--profile')) {
    await profile(() => { w.run(step++); });
    return;
  }
  const ts: number[] = [];
  let last = loss0;
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    last = w.run(step++);
    ts.push(performance.now() - t);
  }
  const row = {
    side: 'untangle', backend: chosen.name, versions: chosen.versions, params: countParams(w.vars), batch: w.info.batchSize,
    gradClip: w.info.gradClip, steps, warmup, trainMs: median(ts), stepsMs: ts.map((t) => Number(t.toFixed(2))), loss0, lossLast: last,
    buildMs, tensors: tf.memory().numTensors, configHash: w.info.configHash,
  };
  console.log(JSON.stringify(row));
}

/** Kernel count and time by kernel name of one step, slowest first (where a step loses time). */
async function profile(step: () => void): Promise<void> {
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  const info = await tf.profile(step);
  const lines = kernelTable(info, wall, Number(opt('top', '30')));
  process.stderr.write(`${lines.join('\n')}\n`);
}

await main();
