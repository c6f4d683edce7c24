import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ConfigValue } from '../config/tree.ts';
import type { ComponentNode } from '../registry/types.ts';
import { UntangleError } from '../util/errors.ts';
import { canonicalJson, sha256 } from '../util/hash.ts';
import { isSweepToken, parseAxis, type Axis } from './grammar.ts';
import { expandTrials, type Trial } from './trials.ts';

/** Everything that defines a sweep: the base config, the fixed overrides, the axes and explicit trials. */
export interface SweepSpec {
  baseFiles: string[];
  /** Overrides every trial gets. */
  overrides: string[];
  axes: Axis[];
  explicit: Record<string, ConfigValue>[];
  launcher: ComponentNode;
}

export const LAUNCHER_TARGETS: Record<string, string> = { local: 'untangle.launchers.Local', slurm: 'untangle.launchers.Slurm' };

/** `untangle sweep --base a.yaml lr=1,2 seed=range(3) model.x=4`: sweep tokens become axes, the rest fixed overrides. */
export function specFromArgs(baseFiles: string[], tokens: string[], launcher: ComponentNode): SweepSpec {
  const axes: Axis[] = [];
  const overrides: string[] = [];
  for (const t of tokens) {
    if (isSweepToken(t)) axes.push(parseAxis(t));
    else overrides.push(t);
  }
  return { baseFiles, overrides, axes, explicit: [], launcher };
}

const FILE_KEYS = ['base', 'overrides', 'sweep', 'trials', 'launcher'];

/**
 * A sweep file (`experiments/*.yaml`):
 *   base: [configs/a.yaml]            paths relative to the working directory, like --base
 *   overrides: [trainer.max_steps=100]
 *   sweep: {lr: 'logspace(-4,-2,3)', seed: 'range(3)'}   or a list: ['lr=1,2', 'zip(a=1,2,b=3,4)']
 *   trials: [{lr: 0.1, seed: 7}]      explicit trials, added to the product
 *   launcher: {target: untangle.launchers.Local, params: {jobs: 2}}
 */
export function specFromFile(path: string, cwd: string, cliTokens: string[] = [], launcherOverride?: ComponentNode): SweepSpec {
  const abs = resolve(cwd, path);
  if (!existsSync(abs)) throw new UntangleError('sweep-file', `no sweep file '${path}'`, { path: abs });
  const doc = parseYaml(readFileSync(abs, 'utf8')) as unknown;
  if (!isMap(doc)) throw new UntangleError('sweep-file', `${path}: a sweep file is a mapping`, {}, `keys: ${FILE_KEYS.join(', ')}`);
  const unknown = Object.keys(doc).filter((k) => !FILE_KEYS.includes(k));
  if (unknown.length) throw new UntangleError('sweep-file', `${path}: unknown key(s) ${unknown.join(', ')}`, {}, `keys: ${FILE_KEYS.join(', ')}`);
  const base = doc.base === undefined ? [] : Array.isArray(doc.base) ? doc.base : [doc.base];
  if (!base.length || !base.every((b) => typeof b === 'string')) throw new UntangleError('sweep-file', `${path}: 'base' must list config files`, { base: doc.base });
  const overrides = doc.overrides ?? [];
  if (!Array.isArray(overrides) || !overrides.every((o) => typeof o === 'string')) throw new UntangleError('sweep-file', `${path}: 'overrides' must be a list of key=value strings`, {});
  const axes = fileAxes(doc.sweep, path);
  const trials = doc.trials ?? [];
  if (!Array.isArray(trials) || !trials.every(isMap)) throw new UntangleError('sweep-file', `${path}: 'trials' must be a list of {key: value} maps`, {});
  const fromCli = specFromArgs([], cliTokens, { target: '' });
  const launcher = launcherOverride ?? fileLauncher(doc.launcher, path);
  return {
    baseFiles: base as string[],
    overrides: [...(overrides as string[]), ...fromCli.overrides],
    axes: [...axes, ...fromCli.axes],
    explicit: trials as Record<string, ConfigValue>[],
    launcher,
  };
}

function fileAxes(sweep: unknown, path: string): Axis[] {
  if (sweep === undefined || sweep === null) return [];
  if (Array.isArray(sweep)) {
    return sweep.map((t) => {
      if (typeof t !== 'string') throw new UntangleError('sweep-file', `${path}: a 'sweep' list holds strings like 'lr=1,2'`, { item: t });
      return parseAxis(t);
    });
  }
  if (!isMap(sweep)) throw new UntangleError('sweep-file', `${path}: 'sweep' is a map {key: values} or a list of axes`, {});
  return Object.entries(sweep).map(([k, v]) => {
    // A YAML list is a choice of its items; a string goes through the grammar; a scalar is one value.
    if (Array.isArray(v)) return { keys: [k], rows: (v as ConfigValue[]).map((x) => [x]), text: `${k}=${JSON.stringify(v)}` };
    if (typeof v === 'string') return parseAxis(`${k}=${v}`);
    return { keys: [k], rows: [[v as ConfigValue]], text: `${k}=${JSON.stringify(v)}` };
  });
}

function fileLauncher(l: unknown, path: string): ComponentNode {
  if (l === undefined || l === null) return { target: LAUNCHER_TARGETS.local, params: {} };
  if (typeof l === 'string') return { target: LAUNCHER_TARGETS[l] ?? l, params: {} };
  if (!isMap(l) || typeof l.target !== 'string') throw new UntangleError('sweep-file', `${path}: 'launcher' is {target: ..., params: {...}} or local|slurm`, {});
  return { target: LAUNCHER_TARGETS[l.target] ?? l.target, params: isMap(l.params) ? (l.params as Record<string, ConfigValue>) : {} };
}

export function sweepTrials(spec: SweepSpec): Trial[] {
  const trials = expandTrials(spec.axes, spec.explicit);
  if (!trials.length) throw new UntangleError('sweep-empty', 'the sweep has no trials', {}, 'add an axis (key=a,b or key=range(3)) or explicit trials');
  return trials;
}

/**
 * The sweep's identity: base files, fixed overrides and the set of trial ids (not their order,
 * not the launcher). The same sweep run again finds its manifest and skips finished trials.
 */
export function sweepId(spec: SweepSpec, trials: readonly Trial[]): string {
  return sha256(canonicalJson({ base: spec.baseFiles, overrides: spec.overrides, trials: trials.map((t) => t.id).sort() })).slice(0, 12);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
