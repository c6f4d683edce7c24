// A config's training data set written out for a PyTorch twin: every example (frames as uint8
// indices into a float32 palette, exact: procedural Sprites uses a few dozen intensities), the
// factor labels, and for each seed the example order untangle's trainer uses (BatchPlan), so both
// sides see the same batches in the same order.
//
//   npx tsx bench/parity/export-data.ts --out DIR --steps N --seeds 0,1,2 [--ordered --eval 10000] [--runs] --base a.yaml [b.yaml] [overrides]
//
// --ordered writes, instead of the whole set (dSprites' 737,280 images would be 3 GB), each
// seed's batches themselves in training order (x-seedS.npy) and --eval N random examples with
// their factors (eval-x.npy, eval-factors.npy) for the metrics.
// --runs resolves `${run:...}` / `${run_config:...}` from the run store (a later stage, e.g. DisDiff
// on its trained LDM, builds its model here as `untangle run` would; only its data set is written).
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { composeConfig } from '../../framework/config/compose.ts';
import { buildParts, sections } from '../../framework/trainer/parts.ts';
import { BatchPlan } from '../../framework/trainer/batches.ts';
import { npyHeaderBytes, writeNpy } from '../../framework/io/npy.ts';
import { selectBackend } from '../../framework/backends/select.ts';
import { Rng, deriveSeed } from '../../framework/util/rng.ts';
import { createRegistry } from '../../registry.ts';
import { runScope } from '../../framework/registry/scope.ts';
import { datasetCache } from '../../framework/io/dataset-cache.ts';
import { defaultResolvers } from '../../framework/trainer/resolvers.ts';
import { scriptArgs } from './script-args.ts';

const { opt, has, hasBase, base, overrides } = scriptArgs();
const out = opt('--out');
const steps = Number(opt('--steps'));
const seeds = (opt('--seeds') ?? '0').split(',').map(Number);
const ordered = has('--ordered');
const nEval = Number(opt('--eval') ?? 0);
if (!out || !steps || !hasBase) throw new Error('usage: export-data.ts --out DIR --steps N --seeds 0,1,2 [--ordered] [--eval N] [--runs] --base a.yaml [...] [overrides]');

await selectBackend('cpu', { threads: 1, log: () => {} });
const registry = createRegistry();
const resolvers = has('--runs') ? defaultResolvers(process.cwd()) : { run: (r: string[]) => ({ ok: true as const, value: `/unused/${r[0]}` }) };
const composed = composeConfig({ baseFiles: base, overrides, registry, resolvers });
const parts = buildParts(composed.config, registry, runScope({ datasetCache: datasetCache(process.cwd()) }), { withEval: false, withTraining: false });
const s = sections(composed.config);
const ds = parts.dataset;
mkdirSync(out, { recursive: true });

// Examples streamed to disk in chunks, as uint8 codes into one shared palette.
const per = ds.elementSpec.x.reduce((a, b) => a * b, 1);
const palette = new Map<number, number>();
function writeExamples(file: string, indices: ArrayLike<number>): number[] {
  const fd = openSync(join(out!, file), 'w');
  writeSync(fd, npyHeaderBytes([indices.length, ...ds.elementSpec.x], 'uint8'));
  const labels: number[] = [];
  const chunk = 64;
  for (let start = 0; start < indices.length; start += chunk) {
    const idx = Array.from({ length: Math.min(chunk, indices.length - start) }, (_, i) => indices[start + i]);
    const b = ds.batch(idx);
    const x = b.x.dataSync() as Float32Array;
    const codes = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) {
      let c = palette.get(x[i]);
      if (c === undefined) {
        c = palette.size;
        if (c > 255) throw new Error('more than 256 distinct intensities: uint8 codes cannot hold them');
        palette.set(x[i], c);
      }
      codes[i] = c;
    }
    writeSync(fd, codes);
    if (b.factors) labels.push(...(b.factors.dataSync() as Int32Array));
    for (const t of Object.values(b)) t.dispose();
  }
  closeSync(fd);
  return labels;
}
const factorsNpy = (labels: number[], n: number) => writeNpy(Int32Array.from(labels), [n, labels.length / n]);

if (!ordered) {
  const labels = writeExamples('x.npy', Array.from({ length: ds.size }, (_, i) => i));
  writeFileSync(join(out, 'factors.npy'), factorsNpy(labels, ds.size));
}
if (nEval > 0) {
  const idx = new Rng(20261202).permutation(ds.size).slice(0, nEval);
  writeFileSync(join(out, 'eval-factors.npy'), factorsNpy(writeExamples('eval-x.npy', idx), nEval));
}

// The trainer's example order for each seed (the plan's seed as trainer.ts derives it).
for (const seed of seeds) {
  const plan = new BatchPlan(ds.size, s.data.batch_size, s.data.shuffle, deriveSeed(deriveSeed(seed, 'trainer'), 'data'));
  const order = new Int32Array(steps * s.data.batch_size);
  for (let st = 0; st < steps; st++) order.set(plan.indicesFor(st), st * s.data.batch_size);
  writeFileSync(join(out, `order-seed${seed}.npy`), writeNpy(order, [steps, s.data.batch_size]));
  if (ordered) writeExamples(`x-seed${seed}.npy`, order);
}
const pal = new Float32Array(palette.size);
for (const [v, c] of palette) pal[c] = v;
writeFileSync(join(out, 'palette.npy'), writeNpy(pal, [pal.length]));
writeFileSync(join(out, 'meta.json'), JSON.stringify({ size: ds.size, per_example: per, palette: pal.length, ordered, eval: nEval, steps, seeds, batch_size: s.data.batch_size, config_hash: composed.hash }, null, 2));
console.log(JSON.stringify({ out, size: ds.size, palette: pal.length }));
