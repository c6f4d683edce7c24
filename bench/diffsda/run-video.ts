/**
 * DiffSDA video training step: untangle (per-frame conv encoder + conditional UNet) on libtorch
 * against its PyTorch twin (bench/diffsda/torch_video_twin.py), side by side. The model is built
 * from the paper config tree at the CPU video preset's sizes
 * (configs/sprites-diffsda.yaml + configs/scale/cpu-diffsda-video.yaml).
 *
 * Usage: npx tsx bench/diffsda/run-video.ts [--rounds 5] [--steps 10] [--warmup 3] [--smoke] [--out FILE]
 */
import { join } from 'node:path';
import { parseOptions, ROOT, runTwin } from '../twin/driver.ts';

const o = parseOptions(process.argv.slice(2));
process.exitCode = runTwin({
  name: 'diffsda',
  label: 'DiffSDA video step (CPU preset: batch 8 × 4 frames of 32×32×3, encoder and UNet 16 channels)',
  baseFiles: ['configs/sprites-diffsda.yaml', 'configs/scale/cpu-diffsda-video.yaml'],
  // The swap metric names a trained judge run (${run:sprites-judge-32}); timing a training step needs no judge.
  overrides: ['~eval.metrics.swap'],
  twin: 'bench/diffsda/torch_video_twin.py',
}, { ...o, out: o.out ?? join(ROOT, 'bench', 'diffsda', o.smoke ? 'results-video.smoke.json' : 'results-video.json') });
