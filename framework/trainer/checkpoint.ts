import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { encodeSafetensors, readSafetensors, type NamedArray } from './safetensors.ts';
import { writeFileAtomic } from '../tracking/fs-atomic.ts';
import { UntangleError } from '../util/errors.ts';

/** What, besides tensors, a checkpoint must hold to continue a run exactly. */
export interface TrainState {
  /** Steps completed. */
  step: number;
  configHash: string;
  /** Root of the trainer's randomness: step s draws from deriveSeed(rngSeed, s), so this and `step` are the whole RNG state. */
  rngSeed: number;
  /** Window sums for the metrics being averaged between log steps. */
  extra?: Record<string, string>;
}

export interface CheckpointGroups {
  model: Map<string, tf.Variable>;
  loss?: Map<string, tf.Variable>;
  /** The main optimiser's state; a parameter group's optimiser is under `optimizer.<group>`. */
  optimizer?: Map<string, tf.Tensor>;
  ema?: Map<string, tf.Tensor>;
  [optimizerOfGroup: `optimizer.${string}`]: Map<string, tf.Tensor> | undefined;
}

async function toArray(t: tf.Tensor): Promise<NamedArray> {
  const data = t.dtype === 'int32' ? new Int32Array(await t.data()) : new Float32Array(await t.data());
  return { data, shape: t.shape.slice() };
}

/** Writes weights, optimiser and EMA state, step and RNG state; atomically (temp file, then rename). */
export async function saveCheckpoint(path: string, groups: CheckpointGroups, state: TrainState): Promise<void> {
  const all = new Map<string, NamedArray>();
  for (const [group, m] of Object.entries(groups) as [string, Map<string, tf.Tensor> | undefined][]) {
    if (!m) continue;
    for (const [name, t] of m) all.set(`${group}/${name}`, await toArray(t));
  }
  const metadata: Record<string, string> = {
    format: 'untangle-checkpoint/1',
    step: String(state.step),
    config_hash: state.configHash,
    rng_seed: String(state.rngSeed),
    rng_scheme: 'per-step derived: deriveSeed(rng_seed, "step/<s>")',
    ...(state.extra ?? {}),
  };
  writeFileAtomic(path, encodeSafetensors(all, metadata));
}

export interface LoadedCheckpoint {
  groups: Record<string, Map<string, tf.Tensor>>;
  state: TrainState;
  metadata: Record<string, string>;
}

export function loadCheckpoint(path: string): LoadedCheckpoint {
  if (!existsSync(path)) throw new UntangleError('checkpoint-missing', `checkpoint not found: ${path}`, { path });
  const { tensors, metadata } = readSafetensors(path);
  const groups: Record<string, Map<string, tf.Tensor>> = {};
  for (const [key, arr] of tensors) {
    const slash = key.indexOf('/');
    const group = key.slice(0, slash);
    const name = key.slice(slash + 1);
    (groups[group] ??= new Map()).set(name, tf.tensor(arr.data, arr.shape, arr.data instanceof Int32Array ? 'int32' : 'float32'));
  }
  return {
    groups,
    metadata,
    state: { step: Number(metadata.step ?? 0), configHash: metadata.config_hash ?? '', rngSeed: Number(metadata.rng_seed ?? 0), extra: metadata },
  };
}

/** Assigns checkpoint tensors to variables by name; every mismatch is reported at once. */
export function assignVariables(vars: Map<string, tf.Variable>, saved: Map<string, tf.Tensor> | undefined, what: string, source: string): void {
  const problems: string[] = [];
  const have = saved ?? new Map<string, tf.Tensor>();
  for (const [name, v] of vars) {
    const t = have.get(name);
    if (!t) problems.push(`missing ${name}`);
    else if (t.shape.join('x') !== v.shape.join('x')) problems.push(`${name}: checkpoint ${t.shape.join('x')} vs model ${v.shape.join('x')}`);
  }
  for (const name of have.keys()) if (!vars.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length) {
    throw new UntangleError('checkpoint-mismatch', `${what} weights in ${source} do not match the model`, { problems: problems.slice(0, 20), count: problems.length });
  }
  for (const [name, v] of vars) v.assign(have.get(name)!);
}
