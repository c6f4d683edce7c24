import { type ConfigMap, type ConfigPath, type ConfigValue, MISSING, isMap, getAt, parsePath, formatPath } from './tree.ts';
import type { Provenance } from './origin.ts';
import type { ConfigIssue } from './issues.ts';

/**
 * A resolver for `${name:arg1,arg2}`. `env` is built in; others (e.g. `run:` for stage chaining)
 * are registered by whoever provides them. A resolver returns a value or an error message.
 */
export type Resolver = (args: string[]) => { ok: true; value: ConfigValue } | { ok: false; error: string };

export interface InterpolationOptions {
  resolvers?: Record<string, Resolver>;
  env?: Record<string, string | undefined>;
}

const WHOLE = /^\$\{([^${}]+)\}$/;
const EMBEDDED = /(\\?)\$\{([^${}]+)\}/g;

/**
 * Resolves every `${...}` in place, eagerly, before anything is built: `${a.b}` (absolute),
 * `${.x}` / `${..x}` (relative to the node holding the string), `${env:VAR}`, `${env:VAR,default}`
 * and registered resolvers. A whole-string reference keeps the referenced value's type; embedded
 * ones are spliced into the string. Cycles and dangling references are issues, as are `???`
 * values left after merging.
 */
export function resolveInterpolations(root: ConfigMap, prov: Provenance, issues: ConfigIssue[], opts: InterpolationOptions = {}): void {
  const env = opts.env ?? process.env;
  const resolvers: Record<string, Resolver> = {
    env: (args) => {
      const [name, ...rest] = args;
      const v = env[name];
      if (v !== undefined) return { ok: true, value: v };
      if (rest.length) return { ok: true, value: rest.join(',') === 'null' ? null : rest.join(',') };
      return { ok: false, error: `environment variable ${name} is not set (give a default: \${env:${name},default})` };
    },
    ...opts.resolvers,
  };
  const done = new Set<string>();
  const failed = new Set<string>();

  const issueAt = (path: ConfigPath, code: string, message: string, extra: Partial<ConfigIssue> = {}) => {
    const pos = prov.filePosition(path);
    issues.push({ code, message, path: formatPath(path), file: pos?.file, line: pos?.line, col: pos?.col, ...extra });
  };

  /** Resolve the value at `path`; `stack` holds the paths being resolved, to catch cycles. */
  const resolveAt = (path: ConfigPath, stack: string[]): ConfigValue | undefined => {
    const key = formatPath(path);
    const got = getAt(root, path);
    if (!got.found) return undefined;
    if (done.has(key)) return got.value;
    if (failed.has(key)) return undefined;
    if (stack.includes(key)) {
      issueAt(path, 'interpolation-cycle', `interpolation cycle: ${[...stack.slice(stack.indexOf(key)), key].join(' -> ')}`);
      for (const k of stack.slice(stack.indexOf(key))) failed.add(k);
      return undefined;
    }
    const value = got.value as ConfigValue;
    const next = [...stack, key];
    if (typeof value === 'string') {
      const r = resolveString(value, path, next);
      if (r === undefined) { failed.add(key); return undefined; }
      setAt(path, r);
      if (r !== value) prov.set(path, { kind: 'interpolation', expression: value, from: prov.lookup(path) });
      done.add(key);
      return r;
    }
    if (isMap(value)) for (const k of Object.keys(value)) resolveAt([...path, k], next);
    else if (Array.isArray(value)) value.forEach((_, i) => resolveAt([...path, i], next));
    done.add(key);
    return getAt(root, path).value;
  };

  const setAt = (path: ConfigPath, v: ConfigValue) => {
    const parent = getAt(root, path.slice(0, -1)).value;
    const last = path[path.length - 1];
    if (Array.isArray(parent) && typeof last === 'number') parent[last] = v;
    else if (isMap(parent)) parent[String(last)] = v;
  };

  const evaluate = (expr: string, at: ConfigPath, stack: string[]): { ok: boolean; value?: ConfigValue } => {
    const colon = expr.indexOf(':');
    if (colon > 0 && /^[A-Za-z_][\w-]*$/.test(expr.slice(0, colon))) {
      const name = expr.slice(0, colon);
      const resolver = resolvers[name];
      if (!resolver) {
        issueAt(at, 'interpolation-resolver', `unknown resolver '${name}' in \${${expr}}`, { expected: Object.keys(resolvers).join(', ') });
        return { ok: false };
      }
      const args = expr.slice(colon + 1).split(',').map((a) => a.trim());
      const r = resolver(args);
      if (!r.ok) { issueAt(at, 'interpolation-resolver', `\${${expr}}: ${r.error}`); return { ok: false }; }
      return { ok: true, value: r.value };
    }
    const target = referencePath(expr.trim(), at);
    const got = getAt(root, target);
    if (!got.found) {
      issueAt(at, 'interpolation-missing', `\${${expr}} refers to '${formatPath(target)}', which does not exist`);
      return { ok: false };
    }
    const v = resolveAt(target, stack);
    if (v === undefined) return { ok: false };
    if (v === MISSING) {
      issueAt(at, 'missing-value', `\${${expr}} refers to '${formatPath(target)}', which is ??? (mandatory and not set)`);
      return { ok: false };
    }
    return { ok: true, value: v };
  };

  const resolveString = (s: string, at: ConfigPath, stack: string[]): ConfigValue | undefined => {
    const whole = WHOLE.exec(s);
    if (whole) {
      const r = evaluate(whole[1], at, stack);
      return r.ok ? (r.value as ConfigValue) : undefined;
    }
    if (!s.includes('${')) return s;
    let ok = true;
    const out = s.replace(EMBEDDED, (_m, escape: string, expr: string) => {
      if (escape) return `\${${expr}}`;
      const r = evaluate(expr, at, stack);
      if (!r.ok) { ok = false; return ''; }
      return typeof r.value === 'object' ? JSON.stringify(r.value) : String(r.value);
    });
    return ok ? out : undefined;
  };

  resolveAt([], []);
  for (const p of missingPaths(root)) issueAt(p, 'missing-value', `mandatory value '${formatPath(p)}' is ??? and was never set`, { suggestion: `set it in a later --base file or with ${formatPath(p)}=VALUE` });
}

/** `${a.b}` is absolute; `${.x}` is a sibling of the key holding the string; each extra dot goes up one level. */
function referencePath(expr: string, at: ConfigPath): ConfigPath {
  if (!expr.startsWith('.')) return parsePath(expr);
  const dots = /^\.+/.exec(expr)![0].length;
  const base = at.slice(0, Math.max(0, at.length - dots));
  const rest = expr.slice(dots);
  return rest ? [...base, ...parsePath(rest)] : base;
}

function missingPaths(v: ConfigValue, prefix: ConfigPath = []): ConfigPath[] {
  if (v === MISSING) return [prefix];
  if (isMap(v)) return Object.entries(v).flatMap(([k, x]) => missingPaths(x, [...prefix, k]));
  if (Array.isArray(v)) return v.flatMap((x, i) => missingPaths(x, [...prefix, i]));
  return [];
}
