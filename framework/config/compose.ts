import { type ConfigMap, deepClone } from './tree.ts';
import { Provenance } from './origin.ts';
import { type ConfigIssue, ConfigError } from './issues.ts';
import { loadLayers, type RawLayer } from './load.ts';
import { parseOverride, applyOverrides, type Override } from './overrides.ts';
import { resolveInterpolations, type Resolver } from './interpolate.ts';
import { TreeValidator } from '../registry/validate.ts';
import type { ComponentRegistry } from '../registry/registry.ts';
import type { JsonSchema } from '../registry/types.ts';
import { RUN_SCHEMA } from './run-schema.ts';
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
}

/**
 * load → merge → overrides → interpolate → validate, collecting every problem. Throws one
 * ConfigError with all of them, before any component is built or any tensor made.
 */
export function composeConfig(input: ComposeInput): ComposedConfig {
  const issues: ConfigIssue[] = [];
  const layers = loadLayers(input.baseFiles, issues, input.cwd);
  const parsed = input.overrides.map((t, i) => parseOverride(t, i, issues)).filter((o): o is Override => o !== null);
  if (issues.length) throw new ConfigError(issues);
  const merged = deepClone(layers.value);
  const config = layers.value;
  applyOverrides(config, layers.provenance, parsed, issues);
  resolveInterpolations(config, layers.provenance, issues, { resolvers: input.resolvers, env: input.env });
  new TreeValidator(input.registry).validate(config, input.schema ?? RUN_SCHEMA, layers.provenance, issues);
  if (issues.length) throw new ConfigError(dedupe(issues));
  return {
    config,
    hash: configHash(config),
    provenance: layers.provenance,
    raw: layers.raw,
    merged,
    overrides: [...input.overrides],
  };
}

export function configHash(config: ConfigMap): string {
  return sha256(canonicalJson(config));
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
