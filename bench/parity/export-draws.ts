// The random draws of every training step of an untangle DisDiff run, as the trainer makes them
// (step s draws from Rng(deriveSeed(deriveSeed(seed, 'trainer'), `step/${s}`))), so the PyTorch
// twin can be trained on untangle's noise instead of torch's (disdiff-train.py --replay): the
// timesteps t, the noise ε (NHWC latents) and the sampled unit c per example, in that order, as
// DisDiff.forward draws them. Step 0 is checked against a real forward pass of the model with a
// recording Rng, so a change of the draw order in disdiff.ts fails here instead of replaying wrong.
//
//   npx tsx bench/parity/export-draws.ts --out DRAWS_DIR --steps N --base a.yaml [b.yaml] [overrides]   (seed=S among them)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { composeConfig } from '../../framework/config/compose.ts';
import { buildParts, sections } from '../../framework/trainer/parts.ts';
import { BatchPlan } from '../../framework/trainer/batches.ts';
import { writeNpy } from '../../framework/io/npy.ts';
import { selectBackend } from '../../framework/backends/select.ts';
import { defaultResolvers } from '../../framework/trainer/resolvers.ts';
import { Rng, deriveSeed } from '../../framework/util/rng.ts';
import { createRegistry } from '../../registry.ts';
import { runScope } from '../../framework/registry/scope.ts';
import { datasetCache } from '../../framework/io/dataset-cache.ts';
import type { DisDiff } from '../../components/models/disdiff/disdiff.ts';
import { scriptArgs } from './script-args.ts';

const { opt, hasBase, base, overrides } = scriptArgs();
const out = opt('--out');
const steps = Number(opt('--steps'));
if (!out || !steps || !hasBase) throw new Error('usage: export-draws.ts --out DIR --steps N --base a.yaml [...] [overrides]');
const registry = createRegistry();
const composed = composeConfig({ baseFiles: base, overrides, registry, resolvers: defaultResolvers(process.cwd()) });
const s = sections(composed.config);
await selectBackend(s.runtime.backend, { threads: 1, log: () => {} });
const parts = buildParts(composed.config, registry, runScope({ datasetCache: datasetCache(process.cwd()) }), { withEval: false, withTraining: false });
const model = parts.model as unknown as DisDiff;
const b = s.data.batch_size;
const rngSeed = deriveSeed(s.seed, 'trainer');                       // execute.ts
const plan = new BatchPlan(parts.dataset.size, b, s.data.shuffle, deriveSeed(rngSeed, 'data'));
const first = parts.dataset.batch(plan.indicesFor(0));
const zShape = model.ldm.latents(first.x).shape;                      // [b, h, w, c]
const per = zShape.slice(1).reduce((x, y) => x * y, 1);
const n = model.p.latent_unit;
const T = model.ldm.schedule.timesteps;

const t = new Int32Array(steps * b), c = new Int32Array(steps * b), eps = new Float32Array(steps * b * per);
for (let st = 0; st < steps; st++) {
  const rng = new Rng(deriveSeed(rngSeed, `step/${st}`));
  for (let i = 0; i < b; i++) t[st * b + i] = rng.int(T);                       // schedule.randomTimesteps
  rng.fillNormal(eps.subarray(st * b * per, (st + 1) * b * per));             // schedule.noise → normalNoise
  for (let i = 0; i < b; i++) c[st * b + i] = rng.int(n);                       // disentanglingPieces
}

// The check: step 0's forward with an Rng that records what the model really draws.
class Recording extends Rng {
  ints: number[] = [];
  normals: Float32Array[] = [];
  override int(k: number): number { const v = super.int(k); this.ints.push(v); return v; }
  override fillNormal(o: Float32Array, mean = 0, std = 1): Float32Array { super.fillNormal(o, mean, std); this.normals.push(o.slice()); return o; }
}
const rec = new Recording(deriveSeed(rngSeed, 'step/0'));
tf.tidy(() => { model.forward(first, { step: 0, training: true, rng: rec }); });
const want = [...t.subarray(0, b), ...c.subarray(0, b)];
const sameInts = rec.ints.length === want.length && rec.ints.every((v, i) => v === want[i]);
const sameNoise = rec.normals.length === 1 && rec.normals[0].length === b * per && rec.normals[0].every((v, i) => v === eps[i]);
if (!sameInts || !sameNoise) throw new Error(`the replayed draws of step 0 differ from DisDiff.forward's (ints ${sameInts}, noise ${sameNoise}): update export-draws.ts`);

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 't.npy'), writeNpy(t, [steps, b]));
writeFileSync(join(out, 'c.npy'), writeNpy(c, [steps, b]));
writeFileSync(join(out, 'eps.npy'), writeNpy(eps, [steps, ...zShape]));
console.log(JSON.stringify({ out, steps, batch: b, latent: zShape, checked_step0: true }));
