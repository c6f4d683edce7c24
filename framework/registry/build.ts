import type { DependencyContainer } from 'tsyringe';
import type { ComponentRegistry } from './registry.ts';
import type { ComponentKind, ComponentNode, JsonSchema } from './types.ts';
import { TreeValidator } from './validate.ts';
import { Instantiator } from './instantiate.ts';
import { Provenance } from '../config/origin.ts';
import { ConfigError, type ConfigIssue } from '../config/issues.ts';
import type { ConfigMap } from '../config/tree.ts';

export interface BuiltSection<T> {
  /** The built components, by name. */
  built: Record<string, T>;
  /** The seed each component was given, by name (derived from the root seed and `<section>.<name>`). */
  seeds: Record<string, number>;
}

/**
 * Validates and builds a section of `{target, params}` nodes that did not come from a config file
 * (a command line's `--metrics mig,dci`, a sweep's launcher): the same schema check, defaults and
 * per-path seeds as a run's config, so a component built here is the one a config would build.
 * Problems are all collected into one ConfigError, and nothing is built when there are any.
 */
export function buildSection<T>(
  registry: ComponentRegistry,
  kind: ComponentKind,
  nodes: Record<string, ComponentNode>,
  opts: { rootSeed: number; section?: string; container?: DependencyContainer },
): BuiltSection<T> {
  // The nodes stand under `section` (e.g. `metrics.mig`), or at the top when there is none
  // (a sweep file's own `launcher`), so paths in errors and seeds read as in the user's file.
  const copy = JSON.parse(JSON.stringify(nodes)) as ConfigMap;
  const sectionSchema: JsonSchema = { type: 'object', additionalProperties: false, properties: Object.fromEntries(Object.keys(nodes).map((n) => [n, { 'x-kind': kind }])) };
  const config: ConfigMap = opts.section ? { [opts.section]: copy } : copy;
  const schema: JsonSchema = opts.section ? { type: 'object', additionalProperties: false, properties: { [opts.section]: sectionSchema } } : sectionSchema;
  const issues: ConfigIssue[] = [];
  new TreeValidator(registry).validate(config, schema, new Provenance(), issues);
  if (issues.length) throw new ConfigError(issues);
  const instantiator = new Instantiator(registry, opts.container ?? registry.runScope(), opts.rootSeed);
  const validated = (opts.section ? config[opts.section] : config) as Record<string, ComponentNode>;
  const built: Record<string, T> = {};
  const seeds: Record<string, number> = {};
  for (const name of Object.keys(nodes)) {
    const path = opts.section ? `${opts.section}.${name}` : name;
    built[name] = instantiator.instantiate<T>(validated[name], path);
    seeds[name] = instantiator.seeds.get(path) ?? 0;
  }
  return { built, seeds };
}
