// Scores a DisDiff checkpoint with untangle's own evaluator: the config's metrics (FactorVAE, DCI,
// MIG with the preset's sample sizes) on the model built from the config, exactly as `untangle run`
// evaluates at its end (same metric objects, same eval.batch_size, same root seed deriveSeed(seed,
// 'eval')), but with the weights taken from a file. Used for both sides of the side-by-side, so one
// piece of metric code scores untangle's run, the PyTorch twin (mapped back into untangle's names by
// disdiff-train.py) and the untrained weights.
//
//   npx tsx bench/parity/disdiff-score.ts --ckpt FILE --out OUT.json --base a.yaml [b.yaml] [overrides]
//
// FILE: an untangle checkpoint (`model/<name>` keys) or export-step's weights.safetensors (bare
// names). Every model variable must be in it (assignVariables is strict).
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { composeConfig } from '../../framework/config/compose.ts';
import { buildParts, sections } from '../../framework/trainer/parts.ts';
import { readSafetensors } from '../../framework/trainer/safetensors.ts';
import { assignVariables } from '../../framework/trainer/checkpoint.ts';
import { defaultResolvers } from '../../framework/trainer/resolvers.ts';
import { selectBackend } from '../../framework/backends/select.ts';
import { evaluateMetrics } from '../../framework/evaluator/evaluate.ts';
import { deriveSeed } from '../../framework/util/rng.ts';
import { createRegistry } from '../../registry.ts';
import { runScope } from '../../framework/registry/scope.ts';
import { datasetCache } from '../../framework/io/dataset-cache.ts';
import { scriptArgs } from './script-args.ts';

const { opt, hasBase, base, overrides } = scriptArgs();
const ckpt = opt('--ckpt');
const out = opt('--out');
if (!ckpt || !out || !hasBase) throw new Error('usage: disdiff-score.ts --ckpt FILE --out OUT.json --base a.yaml [...] [overrides]');

const registry = createRegistry();
const composed = composeConfig({ baseFiles: base, overrides, registry, resolvers: defaultResolvers(process.cwd()) });
const s = sections(composed.config);
const backend = await selectBackend(s.runtime.backend, { threads: s.runtime.threads, log: () => {} });
const parts = buildParts(composed.config, registry, runScope({ datasetCache: datasetCache(process.cwd()) }), { withEval: true, withTraining: false });

const { tensors, metadata } = readSafetensors(ckpt);
const saved = new Map<string, tf.Tensor>();
const prefixed = [...tensors.keys()].some((k) => k.startsWith('model/'));
for (const [k, t] of tensors) {
  if (prefixed && !k.startsWith('model/')) continue;          // optimiser / EMA state
  const name = prefixed ? k.slice('model/'.length) : k;
  if (!prefixed && name.startsWith('loss.')) continue;         // export-step adds the loss's own variables
  saved.set(name, tf.tensor(t.data, t.shape, t.data instanceof Int32Array ? 'int32' : 'float32'));
}
assignVariables(parts.model.namedVariables(), saved, 'model', ckpt);
parts.model.afterStep?.({ step: 0, training: false } as never);  // re-syncs the frozen encoder copy, drops a stale PCA

const t0 = Date.now();
const scores = await evaluateMetrics({
  metrics: parts.metrics, model: parts.model, dataset: parts.evalDataset ?? parts.dataset, batchSize: s.eval.batch_size,
  rootSeed: deriveSeed(s.seed, 'eval'), log: (l) => process.stderr.write(`${l}\n`),
});
const res = { checkpoint: ckpt, step: metadata.step ?? null, seed: s.seed, backend: backend.name, config_hash: composed.hash, scores, eval_s: (Date.now() - t0) / 1000 };
writeFileSync(out, JSON.stringify(res, null, 2));
console.log(JSON.stringify(res));
