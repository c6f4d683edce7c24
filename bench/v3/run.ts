/**
 * V3 training step: untangle's CSAE + V3 loss on libtorch against its PyTorch twin
 * (bench/v3/torch_twin.py), side by side. The model is built from the paper config tree at the
 * CPU preset's sizes (configs/phonenums-v3.yaml + configs/scale/cpu-v3-phonenums.yaml).
 *
 * Usage: npx tsx bench/v3/run.ts [--rounds 5] [--steps 10] [--warmup 3] [--smoke] [--out FILE]
 */
import { parseOptions, runTwin } from '../twin/driver.ts';

process.exitCode = runTwin({
  name: 'v3',
  label: 'V3 PhoneNums step (CPU preset: 8 pages × 10 fragments of 48×32×3, widths 4–32)',
  baseFiles: ['configs/phonenums-v3.yaml', 'configs/scale/cpu-v3-phonenums.yaml'],
  overrides: [],
  twin: 'bench/v3/torch_twin.py',
}, parseOptions(process.argv.slice(2)));
