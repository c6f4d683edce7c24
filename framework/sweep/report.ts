import type { ConfigValue } from '../config/tree.ts';
import type { FileStore } from '../tracking/filestore.ts';
import { UntangleError } from '../util/errors.ts';
import { canonicalJson } from '../util/hash.ts';
import type { Series } from '../util/plot.ts';
import type { Manifest } from './manifest.ts';
import { overrideText } from './trials.ts';

/**
 * The sweep table: one row per setting of the non-seed overrides, with, per metric, the mean and
 * the sample standard deviation (ddof = 1, like pandas) of the trials' final values over the
 * seeds. Without a `seed` axis every trial is its own row (n = 1, std empty).
 */
export interface ReportRow {
  /** The overrides that define the row (all but seed). */
  group: Record<string, ConfigValue>;
  /** FINISHED trials in the row. */
  n: number;
  /** Trials that did not finish. */
  missing: number;
  stats: Record<string, { mean: number; std: number | null; values: number[] }>;
}

export interface SweepReport {
  keys: string[];
  metrics: string[];
  seeded: boolean;
  rows: ReportRow[];
}

const bare = (k: string) => k.replace(/^\++/, '');
export const isSeedKey = (k: string): boolean => bare(k) === 'seed';

export function buildReport(store: FileStore, manifest: Manifest, wantMetrics?: string[]): SweepReport {
  const keys = [...new Set(manifest.trials.flatMap((t) => Object.keys(t.overrides)))];
  const seeded = keys.some(isSeedKey);
  const groupKeys = keys.filter((k) => !isSeedKey(k));
  const finals = new Map<string, Record<string, number>>();
  for (const t of manifest.trials) {
    if (t.state !== 'FINISHED' || !t.runId) continue;
    const rec = store.getRun(t.runId);
    if (rec) finals.set(t.id, Object.fromEntries(Object.entries(rec.metrics).map(([k, p]) => [k, p.value])));
  }
  const all = [...new Set([...finals.values()].flatMap((m) => Object.keys(m)))].sort();
  const metrics = wantMetrics?.length ? wantMetrics : all;
  for (const m of metrics) {
    if (finals.size && !all.includes(m)) throw new UntangleError('unknown-metric', `no finished trial logged '${m}'`, { logged: all.join(', ') });
  }
  const rows = new Map<string, ReportRow>();
  for (const t of manifest.trials) {
    const group = Object.fromEntries(groupKeys.map((k) => [bare(k), t.overrides[k] ?? null]));
    const key = seeded ? canonicalJson(group) : t.id;
    let row = rows.get(key);
    if (!row) {
      row = { group, n: 0, missing: 0, stats: Object.fromEntries(metrics.map((m) => [m, { mean: NaN, std: null, values: [] }])) };
      rows.set(key, row);
    }
    const f = finals.get(t.id);
    if (!f) { row.missing++; continue; }
    row.n++;
    for (const m of metrics) if (m in f) row.stats[m].values.push(f[m]);
  }
  for (const row of rows.values()) {
    for (const s of Object.values(row.stats)) {
      const { mean, std } = meanStd(s.values);
      s.mean = mean;
      s.std = std;
    }
  }
  return { keys: groupKeys.map(bare), metrics, seeded, rows: [...rows.values()] };
}

/** Mean and sample standard deviation (n - 1); std is null for fewer than two values. */
export function meanStd(v: number[]): { mean: number; std: number | null } {
  if (!v.length) return { mean: NaN, std: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, std: null };
  return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) };
}

function cell(v: ConfigValue): string {
  return overrideText('k', v).slice(2);
}

function num(v: number | null): string {
  return v === null || Number.isNaN(v) ? '' : String(Number(v.toPrecision(6)));
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsv(r: SweepReport): string {
  const head = [...r.keys, 'n', 'missing', ...r.metrics.flatMap((m) => (r.seeded ? [`${m} mean`, `${m} std`] : [m]))];
  const lines = r.rows.map((row) => [
    ...r.keys.map((k) => cell(row.group[k])), String(row.n), String(row.missing),
    ...r.metrics.flatMap((m) => (r.seeded ? [num(row.stats[m].mean), num(row.stats[m].std)] : [num(row.stats[m].mean)])),
  ]);
  return `${[head, ...lines].map((l) => l.map(csvField).join(',')).join('\n')}\n`;
}

export function reportMarkdown(r: SweepReport): string {
  const head = [...r.keys, 'n', ...r.metrics];
  const fmt = (s: { mean: number; std: number | null }) => (Number.isNaN(s.mean) ? '—' : s.std === null ? num(s.mean) : `${num(s.mean)} ± ${num(s.std)}`);
  const lines = r.rows.map((row) => [...r.keys.map((k) => `\`${cell(row.group[k])}\``), row.missing ? `${row.n} (+${row.missing} missing)` : String(row.n), ...r.metrics.map((m) => fmt(row.stats[m]))]);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return `${[`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.map(esc).join(' | ')} |`)].join('\n')}\n`;
}

/** One series per setting of the other keys: `metric` (mean ± std) against the numeric `axis`. */
export function reportSeries(r: SweepReport, metric: string, axis: string): Series[] {
  if (!r.keys.includes(axis)) throw new UntangleError('unknown-axis', `'${axis}' is not a swept key`, { swept: r.keys.join(', ') });
  if (!r.metrics.includes(metric)) throw new UntangleError('unknown-metric', `'${metric}' is not in the report`, { metrics: r.metrics.join(', ') });
  const others = r.keys.filter((k) => k !== axis);
  const series = new Map<string, Series>();
  for (const row of r.rows) {
    const x = row.group[axis];
    if (typeof x !== 'number') throw new UntangleError('axis-not-numeric', `axis '${axis}' has the non-numeric value ${JSON.stringify(x)}`, {}, 'plot against a numeric axis');
    const label = others.map((k) => `${k}=${cell(row.group[k])}`).join(' ') || metric;
    let s = series.get(label);
    if (!s) { s = { label, points: [] }; series.set(label, s); }
    const st = row.stats[metric];
    if (!Number.isNaN(st.mean)) s.points.push({ x, y: st.mean, err: st.std ?? undefined });
  }
  return [...series.values()];
}
