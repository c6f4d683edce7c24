// One training step of an untangle config, written out for a PyTorch twin to recompute: the
// initial weights, the batch, every random draw of the step, the loss terms and the gradient of
// the loss with respect to every trainable variable (safetensors + JSON).
//
//   npx tsx bench/parity/export-step.ts --out DIR [--batch N] [--step S] [--backend cpu] [--weights W]
//     [--run-config NAME=a.yaml,b.yaml] --base a.yaml [b.yaml] [overrides]
//
// --run-config answers `${run_config:NAME,KEY}` (a later stage taking a frozen part's shape from
// the run that trained it, e.g. DisDiff's LDM) from the config those files compose, so a step
// needs no finished run.
// --runs instead resolves `${run:...}` / `${run_config:...}` from the run store as `untangle run`
// does (the finished upstream runs are loaded), so the exported initial weights are those of the
// run with the same config: the DisDiff side-by-side starts from the trained frozen LDM.
// --weights loads (a subset of) the model's variables first: a twin whose layer has fewer
// parameters than untangle's (a per-channel bias where untangle has a per-position one) asks for
// weights it can represent.
//
// The Python side (bench/parity/*-step.py) maps the weights into the upstream model's state_dict
// naming, replays the same noise and compares loss and gradients.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { composeConfig } from '../../framework/config/compose.ts';
import { getAt, parsePath } from '../../framework/config/tree.ts';
import { buildParts, sections } from '../../framework/trainer/parts.ts';
import { encodeSafetensors, readSafetensors, type NamedArray } from '../../framework/trainer/safetensors.ts';
import { selectBackend, type BackendRequest } from '../../framework/backends/select.ts';
import { Rng, deriveSeed } from '../../framework/util/rng.ts';
import type { StepContext } from '../../framework/contracts/index.ts';
import { createRegistry } from '../../registry.ts';
import { runScope } from '../../framework/registry/scope.ts';
import { datasetCache } from '../../framework/io/dataset-cache.ts';
import { defaultResolvers } from '../../framework/trainer/resolvers.ts';

/** An Rng that keeps a copy of every array it fills, in order, so the twin can replay the step's noise exactly. */
class RecordingRng extends Rng {
  readonly draws: { kind: 'normal' | 'uniform' | 'permutation'; data: Float32Array | Int32Array }[] = [];
  override fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    super.fillNormal(out, mean, std);
    this.draws.push({ kind: 'normal', data: out.slice() });
    return out;
  }
  override fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    super.fillUniform(out, lo, hi);
    this.draws.push({ kind: 'uniform', data: out.slice() });
    return out;
  }
  override permutation(n: number): Int32Array {
    const p = super.permutation(n);
    this.draws.push({ kind: 'permutation', data: p.slice() });
    return p;
  }
  /** Integer draws (timesteps, DisDiff's sampled unit), kept apart from the array draws above. */
  readonly ints: number[] = [];
  override int(n: number): number {
    const v = super.int(n);
    this.ints.push(v);
    return v;
  }
}

interface Args { out: string; batch: number; step: number; backend: BackendRequest; weights: string; runConfigs: Map<string, string[]>; runs: boolean; base: string[]; overrides: string[] }

function parseArgs(argv: string[]): Args {
  const a: Args = { out: '', batch: 4, step: 0, backend: 'auto', weights: '', runConfigs: new Map(), runs: false, base: [], overrides: [] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--out') a.out = argv[++i];
    else if (v === '--batch') a.batch = Number(argv[++i]);
    else if (v === '--step') a.step = Number(argv[++i]);
    else if (v === '--backend') a.backend = argv[++i] as BackendRequest;
    else if (v === '--weights') a.weights = argv[++i];
    else if (v === '--runs') a.runs = true;
    else if (v === '--run-config') {
      const [name, files] = argv[++i].split('=');
      a.runConfigs.set(name, files.split(','));
    }
    else if (v === '--base') { while (argv[i + 1] && !argv[i + 1].startsWith('--') && !argv[i + 1].includes('=')) a.base.push(argv[++i]); }
    else a.overrides.push(v);
  }
  if (!a.out || a.base.length === 0) throw new Error('usage: export-step.ts --out DIR [--batch N] [--step S] [--backend B] [--weights W.safetensors] --base a.yaml [...] [overrides]');
  return a;
}

const toNamed = (t: tf.Tensor): NamedArray => {
  const data = t.dataSync();
  return { data: data instanceof Int32Array ? data.slice() : Float32Array.from(data), shape: t.shape };
};

const args = parseArgs(process.argv.slice(2));
const choice = await selectBackend(args.backend, { threads: 1, log: () => {} });
const registry = createRegistry();
// The step needs no trained upstream run (a judge, a first stage): `${run:...}` resolves to a name
// that is never opened, because neither the metrics nor a checkpoint loader is built here.
const run = (r: string[]) => ({ ok: true as const, value: `/unused/${r[0]}` });
const runConfig = (r: string[]) => {
  const files = args.runConfigs.get(r[0]);
  if (!files) return { ok: false as const, error: `\${run_config:${r[0]},...}: pass --run-config ${r[0]}=a.yaml[,b.yaml]` };
  const got = getAt(composeConfig({ baseFiles: files, overrides: [], registry, resolvers: { run } }).config, parsePath(r[1]));
  return got.found && got.value !== undefined ? { ok: true as const, value: got.value } : { ok: false as const, error: `${files.join(' + ')} has no key '${r[1]}'` };
};
const resolvers = args.runs ? defaultResolvers(process.cwd()) : { run, run_config: runConfig };
const composed = composeConfig({ baseFiles: args.base, overrides: args.overrides, registry, resolvers });
const parts = buildParts(composed.config, registry, runScope({ datasetCache: datasetCache(process.cwd()) }), { withEval: false, withTraining: false });
const s = sections(composed.config);

// Examples spread over the data set, so a small batch still mixes factors.
const stride = Math.max(1, Math.floor(parts.dataset.size / args.batch) - 1);
const batch = parts.dataset.batch(Array.from({ length: args.batch }, (_, i) => (i * stride) % parts.dataset.size));
const rng = new RecordingRng(deriveSeed(s.seed, `step/${args.step}`));
const ctx: StepContext = { step: args.step, training: true, rng };

const named = parts.model.namedVariables();
if (args.weights) {
  for (const [k, t] of readSafetensors(args.weights).tensors) {
    const v = named.get(k);
    if (!v) throw new Error(`--weights: the model has no variable '${k}'`);
    v.assign(tf.tensor(t.data, t.shape, 'float32'));
  }
}
for (const [k, v] of parts.loss.namedVariables?.() ?? []) named.set(`loss.${k}`, v);
// What the trainer differentiates: the model's trainable variables and the loss's own.
const trainable = new Set([...parts.model.trainableVariables(), ...(parts.loss.namedVariables?.().values() ?? [])]);
const vars = [...named.values()].filter((v) => trainable.has(v));

let terms: Record<string, number> = {};
const { value, grads } = tf.variableGrads(() => {
  const out = parts.model.forward(batch, ctx);
  const lt = parts.loss.compute(batch, out, ctx);
  terms = Object.fromEntries(Object.entries(lt.terms).map(([k, t]) => [k, t.dataSync()[0]]));
  return lt.total;
}, vars);

mkdirSync(args.out, { recursive: true });
const weights = new Map<string, NamedArray>();
const gradMap = new Map<string, NamedArray>();
for (const [k, v] of named) {
  weights.set(k, toNamed(v));
  const g = grads[v.name];
  if (g) gradMap.set(k, toNamed(g));
}
const inputs = new Map<string, NamedArray>();
for (const [k, t] of Object.entries(batch)) inputs.set(`batch.${k}`, toNamed(t));
rng.draws.forEach((d, i) => inputs.set(`draw.${String(i).padStart(3, '0')}.${d.kind}`, { data: d.data, shape: [d.data.length] }));
if (rng.ints.length > 0) inputs.set('ints', { data: Int32Array.from(rng.ints), shape: [rng.ints.length] });

const meta = { config_hash: composed.hash, backend: choice.name };
writeFileSync(join(args.out, 'weights.safetensors'), encodeSafetensors(weights, meta));
writeFileSync(join(args.out, 'grads.safetensors'), encodeSafetensors(gradMap, meta));
writeFileSync(join(args.out, 'inputs.safetensors'), encodeSafetensors(inputs, meta));
writeFileSync(join(args.out, 'step.json'), JSON.stringify({
  loss: value.dataSync()[0], terms, step: args.step, batch: args.batch, backend: choice.name,
  config_hash: composed.hash, model: s.model, loss_config: s.loss,
  draws: rng.draws.map((d) => ({ kind: d.kind, length: d.data.length })),
}, null, 2));
console.log(JSON.stringify({ out: args.out, loss: value.dataSync()[0], terms, backend: choice.name }));
