import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { composeConfig } from '../../framework/config/compose.ts';
import { ConfigError } from '../../framework/config/issues.ts';
import type { Resolver } from '../../framework/config/interpolate.ts';
import { getAt, parsePath } from '../../framework/config/tree.ts';
import type { ComponentRegistry } from '../../framework/registry/registry.ts';

/**
 * Every way the repo's configs are composed: each paper config alone, each with its CPU layer,
 * and each stage of each experiment. Mandatory data paths get one fixed value.
 */
export interface PinCase { name: string; base: string[]; overrides: string[]; stages?: Record<string, string[]> }

const PATH_OVERRIDE = 'data.train.params.path=/data/file.npz';

/** The MPI3D and Cars3D configs leave the data file mandatory. */
const needsPath = (f: string) => /^(mpi3d|cars3d)-/.test(basename(f));

export function pinCases(): PinCase[] {
  const out: PinCase[] = [];
  for (const f of readdirSync('configs').filter((x) => x.endsWith('.yaml')).sort()) {
    const file = `configs/${f}`;
    const overrides = needsPath(file) ? [PATH_OVERRIDE] : [];
    out.push({ name: file, base: [file], overrides });
    const stage = /-(vq|ldm|dis)\.yaml$/.exec(f)?.[1];
    if (!stage) continue;
    // With its CPU layer, a stage's upstream runs were trained with theirs.
    const ds = f.slice(0, f.length - `-${stage}.yaml`.length);
    const stages = Object.fromEntries(['vq', 'ldm'].map((s) => [`${ds}-${s}`, [`configs/${ds}-${s}.yaml`, `configs/scale/cpu-${s}.yaml`]]));
    out.push({ name: `${file}+cpu-${stage}`, base: [file, `configs/scale/cpu-${stage}.yaml`], overrides, stages });
  }
  for (const f of readdirSync('experiments').filter((x) => x.endsWith('.yaml')).sort()) {
    const exp = parseYaml(readFileSync(`experiments/${f}`, 'utf8')) as { stages: { name: string; base: string[] }[] };
    // `${run:NAME}` / `${run_config:NAME,...}` name the config of the same file name, so a stage's
    // upstream is the experiment stage whose first base file is configs/NAME.yaml.
    const stages: Record<string, string[]> = {};
    for (const st of exp.stages) stages[st.base[0].replace(/^configs\//, '').replace(/\.yaml$/, '')] = st.base;
    for (const st of exp.stages) out.push({ name: `experiments/${f}#${st.name}`, base: st.base, overrides: [], stages });
  }
  return out;
}

/**
 * Stand-ins for the run resolvers: `${run:NAME}` is a fixed path, `${run_config:NAME,key}` is the
 * subtree of the resolved config that NAME's own config (or experiment stage) composes to, which
 * is what that run records as artifacts/config.yaml.
 */
export function pinResolvers(registry: ComponentRegistry, stages: Record<string, string[]> | undefined): Record<string, Resolver> {
  const r: Record<string, Resolver> = {
    run: (args) => ({ ok: true, value: `/store/${args[0]}/checkpoints/last.safetensors` }),
    run_config: (args) => {
      const [name, key] = args;
      const base = stages?.[name] ?? [`configs/${name}.yaml`];
      const c = composeConfig({ baseFiles: base, overrides: needsPath(base[0]) ? [PATH_OVERRIDE] : [], registry, resolvers: r });
      const got = getAt(c.config, parsePath(key));
      return got.found && got.value !== undefined ? { ok: true, value: got.value } : { ok: false, error: `no key ${key}` };
    },
  };
  return r;
}

export function pinHash(registry: ComponentRegistry, c: PinCase): string {
  try {
    return composeConfig({ baseFiles: c.base, overrides: c.overrides, registry, resolvers: pinResolvers(registry, c.stages) }).hash;
  } catch (e) {
    return e instanceof ConfigError ? e.format() : String(e);
  }
}
