import type { ConfigValue } from '../config/tree.ts';
import { parseValue } from '../config/overrides.ts';
import { canonicalJson, sha256 } from '../util/hash.ts';
import { UntangleError } from '../util/errors.ts';
import type { Axis } from './grammar.ts';

/** One point of a sweep: the overrides that make it differ from the base config. */
export interface Trial {
  /** sha256 of the canonical overrides (sorted keys), first 12 hex digits: stable under reordering. */
  id: string;
  overrides: Record<string, ConfigValue>;
}

export function trialId(overrides: Record<string, ConfigValue>): string {
  return sha256(canonicalJson(overrides)).slice(0, 12);
}

export function makeTrial(overrides: Record<string, ConfigValue>): Trial {
  const sorted: Record<string, ConfigValue> = {};
  for (const k of Object.keys(overrides).sort()) sorted[k] = overrides[k];
  return { id: trialId(sorted), overrides: sorted };
}

/**
 * The product of the axes (the first axis varies slowest, like itertools.product), then the
 * explicit trials; a key swept twice is an error, and duplicate trials collapse to one.
 */
export function expandTrials(axes: readonly Axis[], explicit: readonly Record<string, ConfigValue>[] = []): Trial[] {
  const owner = new Map<string, string>();
  for (const a of axes) for (const k of a.keys) {
    const bare = k.replace(/^\++/, '');
    const prev = owner.get(bare);
    if (prev) throw new UntangleError('sweep-duplicate-key', `'${bare}' is swept twice`, { first: prev, second: a.text }, 'combine the values into one axis, or pair them with zip(...)');
    owner.set(bare, a.text);
  }
  let points: Record<string, ConfigValue>[] = axes.length ? [{}] : [];
  for (const a of axes) {
    points = points.flatMap((p) => a.rows.map((row) => {
      const q = { ...p };
      a.keys.forEach((k, j) => { q[k] = row[j]; });
      return q;
    }));
  }
  const out = new Map<string, Trial>();
  for (const p of [...points, ...explicit]) {
    const t = makeTrial(p);
    if (!out.has(t.id)) out.set(t.id, t);
  }
  return [...out.values()];
}

/**
 * `key=value` text that parses back (parseValue) to exactly `value`: the raw form when it
 * round-trips, JSON otherwise (YAML flow reads JSON).
 */
export function overrideText(key: string, value: ConfigValue): string {
  const raw = typeof value === 'string' ? value : typeof value === 'number' ? numberText(value) : JSON.stringify(value);
  const back = parseValue(raw);
  const ok = back.ok && canonicalJson(back.value) === canonicalJson(value);
  return `${key}=${ok ? raw : JSON.stringify(value)}`;
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  return String(v);
}

export function trialOverrideArgs(t: Trial): string[] {
  return Object.entries(t.overrides).map(([k, v]) => overrideText(k, v));
}

/** A short label for tables: `lr=0.001 seed=2`. */
export function trialLabel(t: Pick<Trial, 'overrides'>): string {
  return Object.entries(t.overrides).map(([k, v]) => overrideText(k, v)).join(' ');
}
