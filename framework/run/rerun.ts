import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { ComponentRegistry } from '../registry/registry.ts';
import { executeRun } from './execute.ts';
import { sections } from '../trainer/parts.ts';
import type { FileStore } from '../tracking/filestore.ts';
import type { MetricPoint, RunRecord } from '../tracking/types.ts';
import { UntangleError } from '../util/errors.ts';
import { requireRun, recordedConfig } from '../audit/check.ts';

/**
 * `untangle audit RUN_ID --rerun [--steps K]`: execute the run again from its recorded resolved
 * config (the root seed is in it, so every derived seed is too), in a new run tagged
 * `untangle.audit_of`, and compare metric by metric.
 *
 * A metric's whole history is compared, point by point on the same steps (the loss curve, not just
 * its end); the verdict uses the largest |delta| against the metric's tolerance. Default
 * tolerances are 0 when the rerun's environment (backend and its versions, platform, Node, tfjs,
 * lockfile) equals the original's: seeded runs on the cpu and wasm backends (single-threaded) are
 * bit-for-bit deterministic. On another environment the defaults are TOLERANCE_OTHER_ENV.
 * `tracking.tolerances` in the config and --tolerance override them (exact keys or `prefix/*`).
 * Wall-clock metrics (train/steps_per_sec) are reported, never judged.
 */
export interface MetricAudit {
  key: string;
  original: number | null;
  rerun: number | null;
  /** Largest |rerun - original| over the compared steps. */
  maxDelta: number | null;
  steps: number;
  tolerance: number | null;
  verdict: 'pass' | 'FAIL' | 'skipped';
  note?: string;
}

export interface RerunAudit {
  originalRunId: string;
  rerunId: string;
  sameEnvironment: boolean;
  /** The audited prefix (--steps), or null for the whole run. */
  steps: number | null;
  metrics: MetricAudit[];
  ok: boolean;
}

export const TOLERANCE_OTHER_ENV: Record<string, number> = { 'train/*': 1e-4, '*': 1e-3 };
const TIMING = /(^|\/)(steps_per_sec|[\w]*_seconds?|duration|elapsed)$/;
const ENV_KEYS = ['untangle.backend', 'untangle.platform', 'untangle.node', 'untangle.tfjs_core', 'untangle.lockfile_sha256'];

export async function auditRerun(opts: {
  registry: ComponentRegistry; store: FileStore; runId: string; cwd?: string; steps?: number; tolerances?: Record<string, number>; log?: (l: string) => void;
}): Promise<RerunAudit> {
  const cwd = opts.cwd ?? process.cwd();
  const { rec, dir } = requireRun(opts.store, opts.runId);
  const { path, config } = recordedConfig(dir, opts.runId);
  if (opts.steps !== undefined && (!Number.isInteger(opts.steps) || opts.steps < 1)) throw new UntangleError('cli-usage', `--steps takes a positive integer, got ${opts.steps}`, {});
  // Named after the original run, so the rerun's name (and default experiment) is the original's.
  const tmp = mkdtempSync(join(tmpdir(), 'untangle-audit-'));
  const base = join(tmp, `${rec.info.runName || 'run'}.yaml`);
  copyFileSync(path, base);
  let outcome;
  try {
    outcome = await executeRun({
      registry: opts.registry, baseFiles: [base], cwd, log: opts.log,
      overrides: opts.steps !== undefined ? [`trainer.max_steps=${opts.steps}`] : [],
      tags: { 'untangle.audit_of': opts.runId, ...(opts.steps !== undefined ? { 'untangle.audit_steps': String(opts.steps) } : {}) },
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const again = opts.store.getRun(outcome.runId)!;
  const sameEnvironment = ENV_KEYS.every((k) => rec.tags[k] === again.tags[k])
    && Object.keys({ ...rec.tags, ...again.tags }).filter((k) => k.startsWith('untangle.backend.') && k !== 'untangle.backend.reason').every((k) => rec.tags[k] === again.tags[k]);
  const tolerances = { ...(sameEnvironment ? {} : TOLERANCE_OTHER_ENV), ...sections(config).tracking?.tolerances, ...opts.tolerances };
  const metrics = compareRuns(opts.store, rec, again, opts.steps ?? null, tolerances);
  const audit: RerunAudit = { originalRunId: opts.runId, rerunId: outcome.runId, sameEnvironment, steps: opts.steps ?? null, metrics, ok: outcome.status === 'FINISHED' && metrics.every((m) => m.verdict !== 'FAIL') };
  opts.store.openRun(outcome.runId).setTags({ 'untangle.audit_verdict': audit.ok ? 'pass' : 'fail' });
  opts.store.openRun(outcome.runId).logArtifact('audit.json', `${JSON.stringify(audit, null, 2)}\n`);
  return audit;
}

/** The tolerance for a key: exact key, else the longest matching `prefix/*`, else `*`, else 0. */
export function toleranceFor(key: string, tolerances: Record<string, number>): number {
  if (key in tolerances) return tolerances[key];
  const globs = Object.keys(tolerances).filter((k) => k.endsWith('*') && key.startsWith(k.slice(0, -1))).sort((a, b) => b.length - a.length);
  return globs.length ? tolerances[globs[0]] : 0;
}

export function compareRuns(store: FileStore, a: RunRecord, b: RunRecord, steps: number | null, tolerances: Record<string, number>): MetricAudit[] {
  const keys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
  return keys.map((key) => {
    const within = (p: MetricPoint) => steps === null || p.step <= steps;
    const ha = store.metricHistory(a.info.runId, key).filter(within);
    const hb = store.metricHistory(b.info.runId, key).filter(within);
    const last = (h: MetricPoint[]) => (h.length ? h.reduce((x, y) => (y.step >= x.step ? y : x)).value : null);
    const row: MetricAudit = { key, original: last(ha), rerun: last(hb), maxDelta: null, steps: 0, tolerance: null, verdict: 'skipped' };
    if (TIMING.test(key)) return { ...row, note: 'wall-clock' };
    if (!ha.length && steps !== null) return { ...row, note: `not logged by step ${steps} in the original` };
    if (!ha.length || !hb.length) return { ...row, verdict: 'FAIL', note: ha.length ? 'missing in the rerun' : 'not in the original' };
    const tol = toleranceFor(key, tolerances);
    const bySteps = new Map(hb.map((p) => [p.step, p.value]));
    let maxDelta = 0;
    const missing: number[] = [];
    for (const p of ha) {
      const v = bySteps.get(p.step);
      if (v === undefined) { missing.push(p.step); continue; }
      const d = Number.isNaN(p.value) && Number.isNaN(v) ? 0 : Math.abs(v - p.value);
      maxDelta = Math.max(maxDelta, Number.isNaN(d) ? Infinity : d);
    }
    const extra = steps === null ? hb.filter((p) => !ha.some((q) => q.step === p.step)).map((p) => p.step) : [];
    const note = missing.length ? `rerun lacks step(s) ${missing.slice(0, 5).join(', ')}` : extra.length ? `rerun has extra step(s) ${extra.slice(0, 5).join(', ')}` : undefined;
    return { ...row, maxDelta, steps: ha.length, tolerance: tol, verdict: maxDelta <= tol && !missing.length && !extra.length ? 'pass' : 'FAIL', note };
  });
}

export function formatRerunAudit(a: RerunAudit): string {
  const n = (v: number | null) => (v === null ? '—' : String(Number(v.toPrecision(8))));
  const head = ['metric', 'original', 'rerun', 'max |delta|', 'tolerance', 'points', 'verdict'];
  const rows = a.metrics.map((m) => [m.key, n(m.original), n(m.rerun), n(m.maxDelta), n(m.tolerance), String(m.steps), m.note ? `${m.verdict} (${m.note})` : m.verdict]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  const fails = a.metrics.filter((m) => m.verdict === 'FAIL').length;
  return [
    `rerun audit of run ${a.originalRunId}: rerun ${a.rerunId}${a.steps !== null ? ` (first ${a.steps} steps)` : ''}, ${a.sameEnvironment ? 'same environment: exact match required by default' : 'different environment: default tolerances apply'}`,
    fmt(head), fmt(w.map((x) => '-'.repeat(x))), ...rows.map(fmt),
    a.ok ? 'pass: every metric within tolerance (whole histories compared)' : `FAIL: ${fails} metric(s) outside tolerance`,
    '',
  ].join('\n');
}
