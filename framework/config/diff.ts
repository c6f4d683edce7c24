import { type ConfigValue, isMap, formatPath, type ConfigPath } from './tree.ts';

export interface ConfigChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  old?: ConfigValue;
  new?: ConfigValue;
}

/** Key-path differences between two configs (lists compare whole, as merges treat them). */
export function diffConfigs(a: ConfigValue, b: ConfigValue, prefix: ConfigPath = []): ConfigChange[] {
  if (isMap(a) && isMap(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const p = [...prefix, k];
      if (!(k in a)) return [{ path: formatPath(p), kind: 'added' as const, new: b[k] }];
      if (!(k in b)) return [{ path: formatPath(p), kind: 'removed' as const, old: a[k] }];
      return diffConfigs(a[k], b[k], p);
    });
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: formatPath(prefix), kind: 'changed', old: a, new: b }];
}

export function formatChanges(changes: ConfigChange[]): string {
  return changes.map((c) => {
    if (c.kind === 'added') return `  + ${c.path}: ${JSON.stringify(c.new)}`;
    if (c.kind === 'removed') return `  - ${c.path}: ${JSON.stringify(c.old)}`;
    return `  ~ ${c.path}: ${JSON.stringify(c.old)} -> ${JSON.stringify(c.new)}`;
  }).join('\n');
}
