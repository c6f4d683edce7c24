import { type ConfigMap, deepClone, formatPath, getAt } from './tree.ts';
import { isComponentNode } from '../registry/types.ts';
import { Provenance } from './origin.ts';
import { type ConfigIssue, ConfigError } from './issues.ts';
import { loadLayers, type RawLayer } from './load.ts';
import { parseOverride, applyOverrides, missingKeyIssue, type Override, type PendingSet } from './overrides.ts';
import { resolveInterpolations, type Resolver } from './interpolate.ts';
import { TreeValidator } from '../registry/validate.ts';
import type { ComponentRegistry } from '../registry/registry.ts';
import type { JsonSchema } from '../registry/types.ts';
import { RUN_SCHEMA } from './run-schema.ts';
import { resolve } from 'node:path';
import { CONFIG_ROOT_NAME, configRootOf, isGroup } from './groups.ts';
import type { GroupOverride } from './load.ts';
import { isSweepToken } from '../sweep/grammar.ts';
import { canonicalJson, sha256 } from '../util/hash.ts';

export interface ComposeInput {
  baseFiles: readonly string[];
  overrides: readonly string[];
  registry: ComponentRegistry;
  schema?: JsonSchema;
  resolvers?: Record<string, Resolver>;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** A fully resolved, validated, defaults-filled config and everything needed to explain and reproduce it. */
export interface ComposedConfig {
  config: ConfigMap;
  /** sha256 of the canonical JSON of `config`. */
  hash: string;
  provenance: Provenance;
  raw: RawLayer[];
  /** The merged layers before overrides and interpolation (what the files say). */
  merged: ConfigMap;
  overrides: string[];
  /** The option each config group was given. */
  choices: Record<string, string | null>;
}

/**
 * load → merge → overrides → interpolate → validate, collecting every problem. Throws one
 * ConfigError with all of them, before any component is built or any tensor made.
 */
export function composeConfig(input: ComposeInput): ComposedConfig {
  const issues: ConfigIssue[] = [];
  const cwd = input.cwd ?? process.cwd();
  const root = input.baseFiles.length ? configRootOf(resolve(cwd, input.baseFiles[0])) : resolve(cwd, CONFIG_ROOT_NAME);
  const { groups, rest } = splitGroupOverrides(input.overrides, root);
  const layers = loadLayers(input.baseFiles, issues, cwd, groups);
  const parsed = rest.map(({ text, index }) => parseOverride(text, index, issues)).filter((o): o is Override => o !== null);
  rejectSweepValues(parsed, issues);
  if (issues.length) throw new ConfigError(issues);
  const merged = deepClone(layers.value);
  const config = layers.value;
  const pending = applyOverrides(config, layers.provenance, parsed, issues);
  resolveInterpolations(config, layers.provenance, issues, { resolvers: input.resolvers, env: input.env });
  const validator = new TreeValidator(input.registry);
  validator.validate(config, input.schema ?? RUN_SCHEMA, layers.provenance, issues);
  const final = checkPendingSets(pending, validator.schemaAt, merged, config, issues);
  if (final.length) throw new ConfigError(dedupe(final));
  return {
    config,
    hash: configHash(config),
    provenance: layers.provenance,
    raw: layers.raw,
    merged,
    overrides: [...input.overrides],
    choices: layers.choices,
  };
}

export function configHash(config: ConfigMap): string {
  return sha256(canonicalJson(config));
}

/**
 * A `key=value` on a key the files did not set stands only where the schema declares every key it
 * had to create (`params` of a component node always counts); otherwise it is reported as the
 * override's error, replacing the validator's unknown-key issue.
 */
function checkPendingSets(pending: PendingSet[], schemaAt: Map<string, JsonSchema>, merged: ConfigMap, config: ConfigMap, issues: ConfigIssue[]): ConfigIssue[] {
  const out = [...issues];
  for (const { override, existingDepth } of pending) {
    const path = override.path;
    let bad: { at: number; declared: string[] } | null = null;
    for (let d = existingDepth; d < path.length && !bad; d++) {
      const seg = String(path[d]);
      const parentPath = path.slice(0, d);
      if (seg === 'params' && isComponentNode(getAt(config, parentPath).value)) continue;
      const schema = schemaAt.get(formatPath(parentPath));
      const declared = schema && isSchemaMap(schema.properties) ? Object.keys(schema.properties) : [];
      if (!declared.includes(seg)) bad = { at: d, declared };
    }
    if (!bad) continue;
    const at = formatPath(path.slice(0, bad.at + 1));
    for (let i = out.length - 1; i >= 0; i--) if (out[i].path.startsWith(at) && out[i].code === 'unknown-key') out.splice(i, 1);
    out.push(missingKeyIssue(merged, override, 'cannot set', bad.declared));
  }
  return out;
}

/**
 * `group=option` (and `+group=option`) where `group` is a folder of the config root chooses a group
 * option instead of setting a key: a group name never doubles as a key whose value is a bare word.
 */
function splitGroupOverrides(tokens: readonly string[], root: string): { groups: GroupOverride[]; rest: { text: string; index: number }[] } {
  const groups: GroupOverride[] = [];
  const rest: { text: string; index: number }[] = [];
  tokens.forEach((text, index) => {
    const m = /^(\+?)([A-Za-z_][\w-]*(?:\/[A-Za-z_][\w-]*)*)=([\w.-]+)$/.exec(text);
    if (m && !text.startsWith('++') && isGroup(root, m[2])) groups.push({ group: m[2], option: m[3] === 'null' ? null : m[3], text, index, append: m[1] === '+' });
    else rest.push({ text, index });
  });
  return { groups, rest };
}

/** `key=a,b` is a sweep over two values, which one run cannot be: say so at the override. */
function rejectSweepValues(overrides: Override[], issues: ConfigIssue[]): void {
  for (const o of overrides) {
    if (!isSweepToken(o.text)) continue;
    issues.push({ code: 'override-sweep', path: formatPath(o.path), message: `override '${o.text}' lists several values: one run takes one value`, suggestion: `untangle sweep --base ... ${o.text}  (one trial per value)` });
  }
}

function isSchemaMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}|${i.code}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
