/**
 * DiffSDA time-series training step: untangle on libtorch against its PyTorch twin
 * (bench/diffsda/torch_twin.py), side by side. The model is built from the paper config tree at the
 * CPU preset's sizes (configs/series-diffsda.yaml + configs/scale/cpu-diffsda-ts.yaml).
 *
 * Usage: npx tsx bench/diffsda/run.ts [--rounds 5] [--steps 10] [--warmup 3] [--smoke] [--out FILE]
 */
import { parseOptions, runTwin } from '../twin/driver.ts';

process.exitCode = runTwin({
  name: 'diffsda',
  label: 'DiffSDA series step (CPU preset: batch 16, 4 noise tiles)',
  baseFiles: ['configs/series-diffsda.yaml', 'configs/scale/cpu-diffsda-ts.yaml'],
  overrides: [],
  twin: 'bench/diffsda/torch_twin.py',
}, parseOptions(process.argv.slice(2)));
