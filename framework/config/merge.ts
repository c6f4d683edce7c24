import { type ConfigMap, type ConfigPath, MISSING, isMap, deepClone } from './tree.ts';
import type { Provenance } from './origin.ts';

/**
 * OmegaConf's merge rules: mappings merge key by key, lists and scalars replace, `null` replaces a
 * whole mapping, and `???` in the later layer never clobbers a value an earlier layer set.
 */
export function mergeLayer(target: ConfigMap, prov: Provenance, source: ConfigMap, sourceProv: Provenance, base: ConfigPath = []): void {
  for (const [key, value] of Object.entries(source)) {
    const path = [...base, key];
    const existing = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    if (isMap(value) && isMap(existing)) {
      prov.copyFrom(sourceProv, path, false);
      mergeLayer(existing, prov, value, sourceProv, path);
      continue;
    }
    if (value === MISSING && existing !== undefined && existing !== MISSING) continue;
    target[key] = deepClone(value);
    prov.clearBelow(path);
    prov.copyFrom(sourceProv, path, true);
  }
}
