import { isAbsolute, resolve, delimiter } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ComponentRegistry } from './registry.ts';
import type { ComponentSpec } from './types.ts';
import { UntangleError } from '../util/errors.ts';

/**
 * `UNTANGLE_PLUGINS=path/a.ts:path/b.ts` (the platform's path delimiter): modules whose exported
 * `specs: ComponentSpec[]` are registered next to the built-in components. This is how a project
 * adds its own models without forking untangle, and how sweep/audit tests reach their tiny
 * components from the real CLI in child processes.
 */
export async function loadPlugins(registry: ComponentRegistry, env = process.env.UNTANGLE_PLUGINS, cwd = process.cwd()): Promise<void> {
  for (const entry of (env ?? '').split(delimiter).map((s) => s.trim()).filter(Boolean)) {
    const path = isAbsolute(entry) ? entry : resolve(cwd, entry);
    let mod: { specs?: unknown };
    try {
      mod = (await import(pathToFileURL(path).href)) as { specs?: unknown };
    } catch (e) {
      throw new UntangleError('plugin-load', `cannot load plugin '${entry}': ${(e as Error).message}`, { path }, 'UNTANGLE_PLUGINS lists module paths separated by the path delimiter');
    }
    if (!Array.isArray(mod.specs)) throw new UntangleError('plugin-load', `plugin '${entry}' exports no 'specs' array`, { path });
    registry.registerAll(mod.specs as ComponentSpec[]);
  }
}
