import { parseValue } from '../config/overrides.ts';
import type { ConfigValue } from '../config/tree.ts';
import { UntangleError } from '../util/errors.ts';

/**
 * The sweep grammar, on top of the override grammar (values parse exactly like override values):
 *   key=a,b,c                    choice (top-level commas; `[1,2]` and `{a:1,b:2}` stay one value)
 *   key=choice(a,b,c)            the same, spelled out
 *   key=range(stop) | range(start,stop[,step])   Python's range; float steps allowed (Hydra)
 *   key=linspace(start,stop,num) numpy.linspace, endpoints included
 *   key=logspace(start,stop,num) numpy.logspace: base-10 exponents, 10**linspace(start,stop,num)
 *   zip(k1=SPEC,k2=SPEC)         paired axes: the i-th values go together (equal lengths)
 * A token with none of these is a plain override (the same for every trial).
 * The key keeps its override prefix (`+`, `++`), so a swept key may also be added.
 */
export interface Axis {
  /** One key for a plain axis, several for a zip. */
  keys: string[];
  /** rows[i][j] is the value of keys[j] in the i-th point of the axis. */
  rows: ConfigValue[][];
  /** The text it came from, for messages and the manifest. */
  text: string;
}

const KEY_RE = /^\+{0,2}[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])*$/;
const FUNCS = new Set(['choice', 'range', 'linspace', 'logspace']);

/** An error pointing at a character of the expression (`^` under it). */
function syntaxError(text: string, pos: number, message: string, hint?: string): UntangleError {
  return new UntangleError('sweep-syntax', `${message} (at column ${pos + 1})`, { expression: text, at: `${' '.repeat(pos)}^` }, hint);
}

/** True if `token` (`key=...` or `zip(...)`) sweeps, i.e. expands to more than one fixed value form. */
export function isSweepToken(token: string): boolean {
  if (/^zip\(/.test(token)) return true;
  const eq = token.indexOf('=');
  if (eq < 0 || token.startsWith('~')) return false;
  const value = token.slice(eq + 1);
  const m = /^([a-z]+)\(/.exec(value);
  if (m && FUNCS.has(m[1])) return true;
  try {
    return splitTopLevel(value, eq + 1, token).length > 1;
  } catch {
    return false; // not a well-formed list: the override grammar reports it
  }
}

/** Parses one sweep token into an axis. */
export function parseAxis(token: string): Axis {
  if (token.startsWith('zip(')) return parseZip(token);
  const eq = token.indexOf('=');
  if (eq < 0) throw syntaxError(token, token.length, `'${token}' is not key=values`, 'write key=a,b,c, key=range(...), or zip(k1=...,k2=...)');
  const key = token.slice(0, eq);
  if (!KEY_RE.test(key)) throw syntaxError(token, 0, `'${key}' is not a key path`);
  const values = parseValues(token, eq + 1, token.length);
  return { keys: [key], rows: values.map((v) => [v]), text: token };
}

/** The values of a sweep spec `text.slice(start, end)`; positions in errors refer to `text`. */
export function parseValues(text: string, start: number, end: number): ConfigValue[] {
  const spec = text.slice(start, end);
  if (spec === '') throw syntaxError(text, start, 'empty sweep value');
  const m = /^([a-z]+)\((.*)\)$/s.exec(spec);
  if (m && FUNCS.has(m[1])) {
    const argStart = start + m[1].length + 1;
    const parts = splitTopLevel(m[2], argStart, text);
    if (m[1] === 'choice') return parts.map((p) => scalar(text, p.start, p.text));
    const nums = parts.map((p) => number(text, p.start, p.text, m[1]));
    if (m[1] === 'range') return rangeValues(text, start, nums);
    return spaceValues(text, start, m[1] as 'linspace' | 'logspace', nums, parts);
  }
  const m2 = /^([a-z]+)\(/.exec(spec);
  if (m2 && !spec.endsWith(')') && FUNCS.has(m2[1])) throw syntaxError(text, end, `'${m2[1]}(' is not closed`, 'add the closing )');
  if (m2 && !FUNCS.has(m2[1]) && spec.endsWith(')')) {
    throw syntaxError(text, start, `unknown sweep function '${m2[1]}'`, `use one of ${[...FUNCS].join(', ')} (or quote the value: '${spec}')`);
  }
  return splitTopLevel(spec, start, text).map((p) => scalar(text, p.start, p.text));
}

function scalar(text: string, pos: number, raw: string): ConfigValue {
  if (raw.trim() === '') throw syntaxError(text, pos, 'empty value in a list of choices');
  const r = parseValue(raw.trim());
  if (!r.ok) throw syntaxError(text, pos, `cannot parse the value '${raw}': ${r.error}`);
  return r.value;
}

function number(text: string, pos: number, raw: string, fn: string): number {
  const r = parseValue(raw.trim());
  if (!r.ok || typeof r.value !== 'number' || !Number.isFinite(r.value)) throw syntaxError(text, pos, `${fn}() takes numbers; '${raw}' is not one`);
  return r.value;
}

/** Python's range, with Hydra's float steps; floats are rounded to 12 significant digits to avoid 0.30000000000000004. */
function rangeValues(text: string, pos: number, a: number[]): number[] {
  if (a.length < 1 || a.length > 3) throw syntaxError(text, pos, `range() takes 1 to 3 arguments, got ${a.length}`, 'range(stop), range(start, stop) or range(start, stop, step)');
  const [start, stop, step] = a.length === 1 ? [0, a[0], 1] : [a[0], a[1], a[2] ?? 1];
  if (step === 0) throw syntaxError(text, pos, 'range() step must not be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step - 1e-12));
  if (n === 0) throw syntaxError(text, pos, `range(${a.join(', ')}) is empty`);
  if (n > 100_000) throw syntaxError(text, pos, `range(${a.join(', ')}) has ${n} values; that is not a sweep`);
  return Array.from({ length: n }, (_, i) => clean(start + i * step));
}

function spaceValues(text: string, pos: number, fn: 'linspace' | 'logspace', a: number[], parts: Piece[]): number[] {
  if (a.length !== 3) throw syntaxError(text, pos, `${fn}() takes 3 arguments (start, stop, num), got ${a.length}`);
  const [lo, hi, num] = a;
  if (!Number.isInteger(num) || num < 1) throw syntaxError(text, parts[2].start, `${fn}() num must be a positive integer, got ${num}`);
  // numpy: step = (stop - start) / (num - 1); the last value is exactly stop.
  const lin = Array.from({ length: num }, (_, i) => (num === 1 ? lo : i === num - 1 ? hi : lo + ((hi - lo) * i) / (num - 1)));
  return lin.map((x) => clean(fn === 'logspace' ? 10 ** x : x));
}

/** 12 significant digits: range(0,1,0.1) gives 0.3, not 0.30000000000000004. */
function clean(x: number): number {
  return Number.isInteger(x) ? x : Number(x.toPrecision(12));
}

interface Piece { text: string; start: number }

/**
 * Splits on commas outside brackets and quotes. `offset` is where `s` starts in `text`, so
 * every piece (and every error) knows its column.
 */
function splitTopLevel(s: string, offset: number, text: string): Piece[] {
  const out: Piece[] = [];
  let depth = 0;
  let quote: string | null = null;
  let from = 0;
  const open: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{' || c === '(') { depth++; open.push(i); }
    else if (c === ']' || c === '}' || c === ')') {
      if (depth === 0) throw syntaxError(text, offset + i, `unbalanced '${c}'`);
      depth--;
      open.pop();
    } else if (c === ',' && depth === 0) {
      out.push({ text: s.slice(from, i), start: offset + from });
      from = i + 1;
    }
  }
  if (quote) throw syntaxError(text, offset + s.length, 'unterminated quote');
  if (depth) throw syntaxError(text, offset + open[open.length - 1], `'${s[open[open.length - 1]]}' is not closed`);
  out.push({ text: s.slice(from), start: offset + from });
  return out;
}

/** `zip(k1=SPEC, k2=SPEC)`: a comma followed by `key=` starts the next key; other commas belong to the spec. */
function parseZip(token: string): Axis {
  if (!token.endsWith(')')) throw syntaxError(token, token.length, "'zip(' is not closed", 'zip(k1=a,b,k2=c,d)');
  const inner = token.slice(4, -1);
  const pieces = splitTopLevel(inner, 4, token);
  const groups: { key: string; keyAt: number; start: number; end: number }[] = [];
  for (const p of pieces) {
    const m = /^\s*(\+{0,2}[A-Za-z_][\w.[\]-]*)=/.exec(p.text);
    if (m) {
      const lead = p.text.length - p.text.trimStart().length;
      groups.push({ key: m[1], keyAt: p.start + lead, start: p.start + m[0].length, end: p.start + p.text.length });
    } else {
      if (!groups.length) throw syntaxError(token, p.start, 'zip() arguments must be key=values');
      groups[groups.length - 1].end = p.start + p.text.length;
    }
  }
  if (groups.length < 2) throw syntaxError(token, 4, `zip() pairs two or more keys, got ${groups.length}`);
  const seen = new Set<string>();
  const cols = groups.map((g) => {
    if (!KEY_RE.test(g.key)) throw syntaxError(token, g.keyAt, `'${g.key}' is not a key path`);
    if (seen.has(g.key)) throw syntaxError(token, g.keyAt, `'${g.key}' appears twice in zip()`);
    seen.add(g.key);
    return parseValues(token, g.start, g.end);
  });
  const n = cols[0].length;
  const bad = cols.findIndex((c) => c.length !== n);
  if (bad >= 0) {
    throw syntaxError(token, groups[bad].keyAt, `zip() needs equal lengths: '${groups[0].key}' has ${n} values, '${groups[bad].key}' has ${cols[bad].length}`);
  }
  return { keys: groups.map((g) => g.key), rows: Array.from({ length: n }, (_, i) => cols.map((c) => c[i])), text: token };
}
