import type { DependencyContainer } from 'tsyringe';
import type { BuildContext, ComponentNode, ComponentSpec } from './types.ts';
import { isComponentNode, sourceNote } from './types.ts';
import type { ComponentRegistry } from './registry.ts';
import { propertiesOf, slotOf, isSchema } from './schema-walk.ts';
import { deriveSeed } from '../util/rng.ts';
import { UntangleError } from '../util/errors.ts';
import { isMap, type ConfigValue } from '../config/tree.ts';

/**
 * latent-diffusion's `instantiate_from_config`, over the registry: builds a validated
 * `{target, params}` node, building nested slot nodes first (unless the slot is lazy), and gives
 * each component the seed derived from the root seed and its config path.
 */
export class Instantiator {
  /** Every seed handed out, by config path: recorded with the run. */
  readonly seeds = new Map<string, number>();

  constructor(
    private readonly registry: ComponentRegistry,
    private readonly container: DependencyContainer,
    private readonly rootSeed: number,
  ) {}

  instantiate<T = unknown>(node: ComponentNode, path: string): T {
    const spec = this.registry.get(node.target);
    if (!spec) throw new UntangleError('unknown-target', `unknown target '${node.target}'`, { path }, 'validate the config before instantiating it');
    const params = this.buildParams(spec, isMap(node.params as ConfigValue) ? (node.params as Record<string, unknown>) : {}, path);
    const seed = deriveSeed(this.rootSeed, path);
    this.seeds.set(path, seed);
    const ctx: BuildContext = {
      path,
      seed,
      container: this.container,
      instantiate: <U>(child: ComponentNode, subPath: string) => this.instantiate<U>(child, `${path}.${subPath}`),
    };
    try {
      return spec.create(params, ctx) as T;
    } catch (e) {
      if (e instanceof UntangleError) throw e;
      throw new UntangleError('build-failed', `building '${node.target}'${sourceNote(spec)} at '${path}' failed: ${(e as Error).message}`, { path, target: node.target, ...(spec.source ? { source: spec.source } : {}) });
    }
  }

  private buildParams(spec: ComponentSpec, params: Record<string, unknown>, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = { ...params };
    for (const [key, sub] of Object.entries(propertiesOf(spec.schema))) {
      const slot = slotOf(sub);
      const v = params[key];
      if (!slot || slot.lazy || v === undefined || v === null) continue;
      const at = `${path}.params.${key}`;
      if (slot.shape === 'one' && isComponentNode(v)) out[key] = this.instantiate(v, at);
      else if (slot.shape === 'list' && Array.isArray(v)) out[key] = v.map((c, i) => (isComponentNode(c) ? this.instantiate(c, `${at}.${i}`) : c));
      else if (slot.shape === 'map' && isSchema(v)) {
        out[key] = Object.fromEntries(Object.entries(v).map(([k, c]) => [k, isComponentNode(c) ? this.instantiate(c, `${at}.${k}`) : c]));
      }
    }
    return out;
  }
}
