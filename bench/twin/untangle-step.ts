/**
 * One training step of a model built from a run config, as the generic trainer takes it
 * (framework/trainer/trainer.ts `optimiseStep`, single parameter group): forward, loss, gradients
 * through tfjs autodiff, gradient clipping when `trainer.grad_clip` is set, the optimiser update,
 * then the model's `afterStep` (a VQ codebook's EMA update and restarts). The batch is drawn once
 * and reused, as the PyTorch twins do: data generation is not part of what is compared.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Loss, Model, Optimizer, StepContext } from '../../framework/contracts/index.ts';
import { composeConfig } from '../../framework/config/compose.ts';
import { buildParts, sections } from '../../framework/trainer/parts.ts';
import { clipGradNorm } from '../../framework/trainer/clip.ts';
import { defaultResolvers } from '../../framework/trainer/resolvers.ts';
import { Rng, deriveSeed } from '../../framework/util/rng.ts';
import { createRegistry } from '../../registry.ts';
import { runScope } from '../../framework/registry/scope.ts';
import { datasetCache } from '../../framework/io/dataset-cache.ts';

export interface BuiltStep {
  model: Model;
  /** The trainable variables the step updates (the model's and any trainable loss variables). */
  vars: tf.Variable[];
  batch: Batch;
  /** Runs one step; returns the loss. `step` seeds the step's randomness (noise, σ, dropout). */
  run(step: number): number;
  /** The resolved config's `runtime.backend`, `trainer.grad_clip`, `data.batch_size`. */
  info: { backend: string; gradClip: number | null; batchSize: number; configHash: string };
}

/** Builds the model, loss and optimiser of `baseFiles` + `overrides` through the registry, as `untangle run` does. */
export function buildStep(baseFiles: string[], overrides: string[], cwd = process.cwd()): BuiltStep {
  const registry = createRegistry();
  const composed = composeConfig({ baseFiles, overrides, registry, cwd, resolvers: defaultResolvers(cwd) });
  const s = sections(composed.config);
  const parts = buildParts(composed.config, registry, runScope({ datasetCache: datasetCache(process.cwd()) }), { withEval: false, withTraining: true });
  const { model, loss, optimizer } = parts as { model: Model; loss: Loss; optimizer: Optimizer };
  const lossVars = loss.namedVariables?.() ?? new Map<string, tf.Variable>();
  const vars = [...model.trainableVariables(), ...[...lossVars.values()].filter((v) => v.trainable)];
  const indices = new Int32Array(s.data.batch_size).map((_, i) => i);
  const batch = parts.dataset.batch(indices);
  const gradClip = s.trainer.grad_clip;
  const lr = optimizer.lr;
  const seed = deriveSeed(s.seed, 'trainer');
  const run = (step: number): number => {
    const ctx: StepContext = { step, training: true, rng: new Rng(deriveSeed(seed, `step/${step}`)) };
    const { value, grads } = tf.variableGrads(() => loss.compute(batch, model.forward(batch, ctx), ctx).total, vars);
    const ordered = vars.map((v) => grads[v.name]);
    const clipped = gradClip ? clipGradNorm(ordered, gradClip) : { grads: ordered };
    optimizer.apply(vars, clipped.grads, lr);
    const total = value.dataSync()[0];
    value.dispose();
    tf.dispose(ordered);
    if (clipped.grads !== ordered) tf.dispose(clipped.grads);
    model.afterStep?.(ctx);
    return total;
  };
  return { model, vars, batch, run, info: { backend: s.runtime.backend, gradClip, batchSize: s.data.batch_size, configHash: composed.hash } };
}

/** Number of trainable scalars, the figure compared with the PyTorch twin's. */
export function countParams(vars: tf.Variable[]): number {
  return vars.reduce((n, v) => n + v.size, 0);
}
