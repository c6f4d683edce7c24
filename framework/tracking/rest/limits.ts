/**
 * MLflow's server-side limits and value encodings, as enforced by mlflow/utils/validation.py.
 * Checking them client-side turns a server 400 (which would stall an offline replay forever)
 * into a clear local decision: split the batch, rename the key, or move the value to an artifact.
 */
import { createHash } from 'node:crypto';

export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_PER_BATCH = 100;
export const MAX_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
/** The server rejects log-batch bodies above 1e6 bytes; keep a margin for the envelope. */
export const MAX_BATCH_BODY_BYTES = 1_000_000;
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

/**
 * MLflow's portable key charset (`^[/\w.\- ]*$`; colons are refused on Windows servers, so we
 * refuse them everywhere). Python's `\w` is Unicode-aware: letters, digits, underscore.
 */
const KEY_CHARSET = /^[\p{L}\p{N}_/.\- ]*$/u;

/** Length as Python counts it (code points), which is what the server's limits measure. */
export function codepointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** posixpath.normpath for the subset that matters: the server requires key === normpath(key). */
function normPath(key: string): string {
  const absolute = key.startsWith('/');
  const out: string[] = [];
  for (const seg of key.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (seg === '..' && absolute) continue;
    else out.push(seg);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

/** Why the server would refuse this key, or null if it would accept it. */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'the key is empty';
  if (!KEY_CHARSET.test(key)) {
    return 'keys may only contain letters, digits, underscores, dashes, periods, spaces and slashes';
  }
  const norm = normPath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    return `the key must be a normalised relative path (it would resolve to '${norm}')`;
  }
  if (codepointLength(key) > MAX_KEY_LENGTH) return `the key is longer than ${MAX_KEY_LENGTH} characters`;
  return null;
}

/**
 * A deterministic server-acceptable version of a local key. Deterministic matters: a replay of
 * the same run must map every key to the same remote key, or idempotence breaks.
 */
export function sanitizeKey(key: string): string {
  if (keyProblem(key) === null) return key;
  let k = Array.from(key, (ch) => (KEY_CHARSET.test(ch) ? ch : '_')).join('');
  k = k.split('/').filter((seg) => seg !== '' && seg !== '.').map((seg) => (seg === '..' ? '__' : seg)).join('/');
  if (k === '') k = '_';
  if (codepointLength(k) > MAX_KEY_LENGTH) {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 10);
    k = `${Array.from(k).slice(0, MAX_KEY_LENGTH - 11).join('')}_${digest}`;
  }
  return k;
}

/** JSON encoding of a metric value: the API takes NaN and ±Inf as these strings. */
export function encodeMetricValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** Inverse of encodeMetricValue, as the server answers (it also sends the strings back). */
export function decodeMetricValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (!Number.isNaN(n)) return n;
  }
  return NaN;
}

/**
 * Identity of a metric point for exactly-once reconciliation. SQL backends store ±Inf as
 * ±DBL_MAX, so both spellings must compare equal.
 */
export function metricPointIdentity(p: { timestamp: number; step: number; value: number }): string {
  let v: string;
  if (Number.isNaN(p.value)) v = 'nan';
  else if (p.value >= Number.MAX_VALUE) v = '+inf';
  else if (p.value <= -Number.MAX_VALUE) v = '-inf';
  else v = String(p.value);
  return `${p.timestamp} ${p.step} ${v}`;
}
