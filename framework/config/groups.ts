import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { type ConfigPath, parsePath } from './tree.ts';

/**
 * Hydra-style config groups. A group is a folder of YAML files under the config root; each file
 * is one option. The config root of a file is its nearest enclosing folder named `configs` (the
 * file's own folder when there is none), so `- model: vq-f4` in configs/scale/cpu-dis.yaml and in
 * configs/shapes3d-vq.yaml both mean configs/model/vq-f4.yaml. Nested groups are nested folders
 * (`model/first_stage`).
 */
export const CONFIG_ROOT_NAME = 'configs';

export function configRootOf(absFile: string): string {
  for (let d = dirname(absFile); ; d = dirname(d)) {
    if (basename(d) === CONFIG_ROOT_NAME) return d;
    if (dirname(d) === d) return dirname(absFile);
  }
}

/** One `defaults:` list entry that chooses a group option: `group: option` or `group@package: option`. */
export interface GroupChoice {
  group: string;
  /** Explicit package from `group@package`; `_global_` is the root. */
  package?: string;
  /** `null` chooses nothing (Hydra's `group: null`). */
  option: string | null;
}

const GROUP_KEY = /^([A-Za-z_][\w-]*(?:\/[A-Za-z_][\w-]*)*)(?:@([\w.-]+))?$/;

export function parseGroupKey(key: string): { group: string; package?: string } | null {
  const m = GROUP_KEY.exec(key);
  return m ? { group: m[1], package: m[2] } : null;
}

export function groupDir(root: string, group: string): string {
  return join(root, ...group.split('/'));
}

export function isGroup(root: string, group: string): boolean {
  const d = groupDir(root, group);
  return existsSync(d) && statSync(d).isDirectory() && groupOptions(root, group).length > 0;
}

/** The options of a group: its YAML files, without the extension, sorted. */
export function groupOptions(root: string, group: string): string[] {
  const d = groupDir(root, group);
  if (!existsSync(d) || !statSync(d).isDirectory()) return [];
  return readdirSync(d).filter((f) => /\.ya?ml$/.test(f) && statSync(join(d, f)).isFile()).map((f) => f.replace(/\.ya?ml$/, '')).sort();
}

/** Every group under a config root (folders holding at least one YAML file), nested ones as `a/b`. */
export function listGroups(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (!statSync(p).isDirectory()) continue;
      const g = relative(root, p).split(/[\\/]/).join('/');
      if (groupOptions(root, g).length) out.push(g);
      walk(p);
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

export function optionFile(root: string, group: string, option: string): string | null {
  for (const ext of ['.yaml', '.yml']) {
    const p = resolve(groupDir(root, group), `${option}${ext}`);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * Where a group option's content lands. In order: the entry's explicit `@package`, the file's
 * `# @package X` header (in the comment lines before the first key), else the group path itself
 * (`model/first_stage` → `model.first_stage`). `_global_` is the root. A package is relative to
 * the package of the file whose defaults list chose it, as in Hydra.
 */
export function packageOf(choice: GroupChoice, fileText: string, parent: ConfigPath): ConfigPath {
  const header = headerPackage(fileText);
  const pkg = choice.package ?? header ?? choice.group.split('/').join('.');
  if (pkg === '_global_') return [];
  if (pkg.startsWith('_global_.')) return parsePath(pkg.slice('_global_.'.length));
  return [...parent, ...parsePath(pkg)];
}

export function headerPackage(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    if (!t.startsWith('#')) return undefined;
    const m = /^#\s*@package\s+(\S+)\s*$/.exec(t);
    if (m) return m[1];
  }
  return undefined;
}
