/** The value tree a config holds, and paths into it. */
export type ConfigScalar = null | boolean | number | string;
export type ConfigValue = ConfigScalar | ConfigValue[] | ConfigMap;
export interface ConfigMap { [key: string]: ConfigValue }

/** A path is a list of segments: map keys (strings) and list indices (numbers). */
export type PathSegment = string | number;
export type ConfigPath = PathSegment[];

export const MISSING = '???';

export function isMap(v: unknown): v is ConfigMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `model.params.layers[0].width` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Parses `a.b[0].c` and `a.b.0.c` (a purely numeric segment indexes a list). */
export function parsePath(text: string): ConfigPath {
  const out: ConfigPath = [];
  for (const part of text.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function pathKey(path: readonly PathSegment[]): string {
  return formatPath(path);
}

export function getAt(root: ConfigValue, path: readonly PathSegment[]): { found: boolean; value?: ConfigValue } {
  let cur: ConfigValue = root;
  for (const seg of path) {
    if (typeof seg === 'number' && Array.isArray(cur) && seg < cur.length) cur = cur[seg];
    else if (typeof seg === 'string' && isMap(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) cur = cur[seg];
    else return { found: false };
  }
  return { found: true, value: cur };
}

export function deepClone<T extends ConfigValue>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => deepClone(x)) as T;
  if (isMap(v)) {
    const out: ConfigMap = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepClone(x);
    return out as T;
  }
  return v;
}

/** Every leaf path (scalars, empty maps and lists count as leaves). */
export function leafPaths(v: ConfigValue, prefix: ConfigPath = []): ConfigPath[] {
  if (isMap(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return [prefix];
    return keys.flatMap((k) => leafPaths(v[k], [...prefix, k]));
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return [prefix];
    return v.flatMap((x, i) => leafPaths(x, [...prefix, i]));
  }
  return [prefix];
}

export function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((s, i) => s === path[i]);
}
