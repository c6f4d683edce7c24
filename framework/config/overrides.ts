import { parse as parseYaml } from 'yaml';
import {
  type ConfigMap, type ConfigPath, type ConfigValue, isMap, getAt, parsePath, formatPath, deepClone,
} from './tree.ts';
import type { ConfigIssue } from './issues.ts';
import { mergeLayer } from './merge.ts';
import { Provenance } from './origin.ts';
import { suggest } from '../util/suggest.ts';

/**
 * Hydra's override grammar:
 *   key.path=value    set a key that exists (a typo is an error, with a suggestion)
 *   +key.path=value   add a key that does not exist yet
 *   ++key.path=value  add or set
 *   ~key.path         delete (~key.path=value deletes only if the value matches)
 * Values are YAML flow scalars, lists or maps: `1e-4` is a number, `[1,2]` a list, `{a:1}` a map.
 */
export type OverrideOp = 'set' | 'add' | 'force' | 'delete';

export interface Override {
  op: OverrideOp;
  path: ConfigPath;
  /** Absent for a plain `~key` delete. */
  value?: ConfigValue;
  text: string;
  index: number;
}

const KEY_RE = /^[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])*$/;

export function isOverrideToken(arg: string): boolean {
  return arg.includes('=') || arg.startsWith('~');
}

export function parseOverride(text: string, index: number, issues: ConfigIssue[]): Override | null {
  let op: OverrideOp = 'set';
  let rest = text;
  if (rest.startsWith('++')) { op = 'force'; rest = rest.slice(2); }
  else if (rest.startsWith('+')) { op = 'add'; rest = rest.slice(1); }
  else if (rest.startsWith('~')) { op = 'delete'; rest = rest.slice(1); }
  const eq = rest.indexOf('=');
  const key = eq < 0 ? rest : rest.slice(0, eq);
  if (!KEY_RE.test(key)) {
    issues.push({ code: 'override-syntax', path: key, message: `override '${text}': '${key}' is not a key path`, expected: 'key.path=value, +key.path=value, ++key.path=value or ~key.path' });
    return null;
  }
  if (eq < 0 && op !== 'delete') {
    issues.push({ code: 'override-syntax', path: key, message: `override '${text}' has no '=value'`, expected: `${key}=VALUE` });
    return null;
  }
  const o: Override = { op, path: parsePath(key), text, index };
  if (eq >= 0) {
    const parsed = parseValue(rest.slice(eq + 1));
    if (!parsed.ok) {
      issues.push({ code: 'override-syntax', path: key, message: `override '${text}': cannot parse the value: ${parsed.error}` });
      return null;
    }
    o.value = parsed.value;
  }
  return o;
}

/** YAML 1.2 core-schema value, with Hydra's unspaced flow maps (`{a:1,b:2}`) accepted. */
export function parseValue(raw: string): { ok: true; value: ConfigValue } | { ok: false; error: string } {
  if (raw === '') return { ok: true, value: '' };
  let text = raw.trim();
  if (text.startsWith('{') || text.startsWith('[')) text = text.replace(/([{,]\s*)([^\s:{}[\],'"]+):(?=\S)/g, '$1$2: ');
  try {
    const v = parseYaml(text) as unknown;
    return { ok: true, value: (v === undefined ? null : v) as ConfigValue };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

/**
 * A `key=value` whose key the files do not set, but whose parent exists. It stands if the schema
 * declares the key (a value with a schema default is part of the config, as in Hydra's structured
 * configs); otherwise it becomes the override error, with a suggestion. Checked after validation,
 * once every target's schema is known.
 */
export interface PendingSet {
  override: Override;
  /** Number of leading path segments that existed before the override (the rest it created). */
  existingDepth: number;
}

/** Applies overrides in order; every problem becomes an issue and the rest still apply. */
export function applyOverrides(root: ConfigMap, prov: Provenance, overrides: readonly Override[], issues: ConfigIssue[]): PendingSet[] {
  const pending: PendingSet[] = [];
  for (const o of overrides) applyOne(root, prov, o, issues, pending);
  return pending;
}

function applyOne(root: ConfigMap, prov: Provenance, o: Override, issues: ConfigIssue[], pending: PendingSet[]): void {
  const key = formatPath(o.path);
  const parentPath = o.path.slice(0, -1);
  const last = o.path[o.path.length - 1];
  const existing = getAt(root, o.path);
  const origin = { kind: 'override' as const, text: o.text, index: o.index };

  if (o.op === 'delete') {
    if (!existing.found) {
      issues.push(missingKeyIssue(root, o, 'cannot delete'));
      return;
    }
    if (o.value !== undefined && JSON.stringify(existing.value) !== JSON.stringify(o.value)) {
      issues.push({ code: 'override-mismatch', path: key, message: `override '${o.text}': the value is ${JSON.stringify(existing.value)}, not ${JSON.stringify(o.value)}` });
      return;
    }
    const parent = getAt(root, parentPath).value;
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else if (isMap(parent) && typeof last === 'string') delete parent[last];
    prov.clearBelow(o.path);
    prov.set(o.path, origin);
    return;
  }
  if (o.op === 'set' && !existing.found) {
    let depth = 0;
    while (depth < o.path.length && getAt(root, o.path.slice(0, depth + 1)).found) depth++;
    const ancestor = getAt(root, o.path.slice(0, depth)).value;
    if (!isMap(ancestor) || o.path.slice(depth).some((seg) => typeof seg !== 'string')) {
      issues.push(missingKeyIssue(root, o, 'cannot set'));
      return;
    }
    pending.push({ override: o, existingDepth: depth });
  }
  if (o.op === 'add' && existing.found) {
    issues.push({ code: 'override-exists', path: key, message: `override '${o.text}': '${key}' already exists`, suggestion: `${key}=${JSON.stringify(o.value)} (or ++${key}=... to add or set)` });
    return;
  }
  const parent = ensureParent(root, parentPath, o, issues);
  if (!parent) return;
  const value = o.value ?? null;
  if (isMap(value) && existing.found && isMap(existing.value)) {
    // Hydra assigns lists but merges maps.
    const single = new Provenance();
    for (const k of Object.keys(value)) single.set([...o.path, k], origin);
    mergeLayer(existing.value, prov, value, single, o.path);
    prov.set(o.path, origin);
    return;
  }
  if (Array.isArray(parent) && typeof last === 'number') parent[last] = deepClone(value);
  else if (isMap(parent)) parent[String(last)] = deepClone(value);
  prov.clearBelow(o.path);
  prov.set(o.path, origin);
}

function ensureParent(root: ConfigMap, parentPath: ConfigPath, o: Override, issues: ConfigIssue[]): ConfigMap | ConfigValue[] | null {
  let cur: ConfigValue = root;
  for (let i = 0; i < parentPath.length; i++) {
    const seg = parentPath[i];
    if (Array.isArray(cur) && typeof seg === 'number' && seg < cur.length) { cur = cur[seg]; continue; }
    if (isMap(cur)) {
      const k = String(seg);
      if (!Object.prototype.hasOwnProperty.call(cur, k)) cur[k] = {};
      cur = cur[k];
      continue;
    }
    issues.push({ code: 'override-type', path: formatPath(parentPath.slice(0, i + 1)), message: `override '${o.text}': '${formatPath(parentPath.slice(0, i))}' is not a mapping` });
    return null;
  }
  if (!isMap(cur) && !Array.isArray(cur)) {
    issues.push({ code: 'override-type', path: formatPath(parentPath), message: `override '${o.text}': '${formatPath(parentPath)}' holds a ${cur === null ? 'null' : typeof cur}, not a mapping` });
    return null;
  }
  return cur;
}

/** "did you mean": the closest existing key among the deepest existing parent's children. */
export function missingKeyIssue(root: ConfigMap, o: Override, verb: string, declared: readonly string[] = []): ConfigIssue {
  const key = formatPath(o.path);
  let depth = 0;
  while (depth < o.path.length && getAt(root, o.path.slice(0, depth + 1)).found) depth++;
  const parent = getAt(root, o.path.slice(0, depth)).value;
  const missing = o.path[depth];
  let suggestion: string | undefined;
  if (isMap(parent) && typeof missing === 'string') {
    const close = suggest(missing, [...Object.keys(parent).filter((k) => k !== missing), ...declared]);
    if (close) suggestion = formatPath([...o.path.slice(0, depth), close, ...o.path.slice(depth + 1)]);
  }
  if (!suggestion) suggestion = suggest(key, allKeyPaths(root));
  return {
    code: 'override-missing-key',
    path: key,
    message: `override '${o.text}': ${verb} '${key}': no such key${o.op === 'set' ? ` (to add a new key use +${key}=...)` : ''}`,
    suggestion,
  };
}

function allKeyPaths(v: ConfigValue, prefix: ConfigPath = []): string[] {
  if (!isMap(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => [formatPath([...prefix, k]), ...allKeyPaths(x, [...prefix, k])]);
}
