import { type ConfigValue, isMap } from '../config/tree.ts';
import { codepointLength, MAX_PARAM_VALUE_LENGTH } from './rest/limits.ts';

/**
 * The resolved config as MLflow params: dotted keys, lists of scalars as one JSON value, lists of
 * mappings indexed (`callbacks.0.target`). Returns the params that fit and those that must go to
 * an artifact instead.
 */
export function flattenParams(config: ConfigValue): { params: Record<string, string>; tooLong: Record<string, string> } {
  const params: Record<string, string> = {};
  const tooLong: Record<string, string> = {};
  const visit = (v: ConfigValue, key: string) => {
    if (isMap(v) && Object.keys(v).length) {
      for (const [k, x] of Object.entries(v)) visit(x, key ? `${key}.${k}` : k);
      return;
    }
    if (Array.isArray(v) && v.some((x) => isMap(x) || Array.isArray(x))) {
      v.forEach((x, i) => visit(x, `${key}.${i}`));
      return;
    }
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    const safeKey = key.replace(/[^/\w.\- ]/g, '_').slice(0, 250);
    // The server's own rule (code points), so local and remote agree on what is too long.
    if (codepointLength(s) > MAX_PARAM_VALUE_LENGTH) tooLong[safeKey] = s;
    else params[safeKey] = s;
  };
  visit(config, '');
  return { params, tooLong };
}
