/**
 * A reader of MLflow's FileStore layout, independent of whichever program wrote it (untangle's
 * FileStore, MLflow's own Python FileStore, a copy from a laptop):
 *
 *   <root>/<exp_id>/meta.yaml                 experiment: name, artifact_location, …
 *   <root>/<exp_id>/<run_id>/meta.yaml        run: status as an int, start/end time, artifact_uri
 *   <root>/<exp_id>/<run_id>/metrics/<key>    lines "<ts_ms> <value> <step>"
 *   <root>/<exp_id>/<run_id>/params/<key>     the value, verbatim
 *   <root>/<exp_id>/<run_id>/tags/<key>       the value, verbatim
 *   <root>/<exp_id>/<run_id>/artifacts/…
 *
 * Keys with '/' are nested directories. Dot-directories (`.trash`, sync sidecars) are skipped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { UntangleError } from '../../util/errors.ts';
import { RUN_STATUS_CODE, type RunInfo, type RunStatus } from '../types.ts';

export interface LocalRunLocation {
  root: string;
  experimentId: string;
  runId: string;
  runDir: string;
}

export interface LocalExperimentMeta {
  experimentId: string;
  name: string;
}

const STATUS_BY_CODE = new Map<number, RunStatus>(Object.entries(RUN_STATUS_CODE).map(([s, c]) => [c, s as RunStatus]));

function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

function readYaml(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UntangleError('LOCAL_META_MALFORMED', `cannot parse ${path}: ${(e as Error).message}`, { path });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UntangleError('LOCAL_META_MALFORMED', `${path} is not a YAML mapping`, { path });
  }
  return doc as Record<string, unknown>;
}

/** Every run in the store (active experiments only; `.trash` is skipped like MLflow does). */
export function listLocalRuns(root: string): LocalRunLocation[] {
  const out: LocalRunLocation[] = [];
  for (const exp of subdirs(root)) {
    if (!existsSync(join(root, exp, 'meta.yaml'))) continue;
    for (const run of subdirs(join(root, exp))) {
      const runDir = join(root, exp, run);
      if (existsSync(join(runDir, 'meta.yaml'))) out.push({ root, experimentId: exp, runId: run, runDir });
    }
  }
  return out;
}

export function findLocalRun(root: string, runId: string): LocalRunLocation | null {
  for (const exp of subdirs(root)) {
    const runDir = join(root, exp, runId);
    if (existsSync(join(runDir, 'meta.yaml'))) return { root, experimentId: exp, runId, runDir };
  }
  return null;
}

export function readExperimentMeta(root: string, experimentId: string): LocalExperimentMeta {
  const meta = readYaml(join(root, experimentId, 'meta.yaml'));
  return { experimentId, name: String(meta.name ?? experimentId) };
}

function optNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function readRunMeta(loc: LocalRunLocation): RunInfo {
  const meta = readYaml(join(loc.runDir, 'meta.yaml'));
  const rawStatus = meta.status;
  const status: RunStatus = typeof rawStatus === 'number'
    ? STATUS_BY_CODE.get(rawStatus) ?? 'RUNNING'
    : typeof rawStatus === 'string' && rawStatus in RUN_STATUS_CODE ? (rawStatus as RunStatus) : 'RUNNING';
  return {
    runId: String(meta.run_id ?? meta.run_uuid ?? loc.runId),
    experimentId: String(meta.experiment_id ?? loc.experimentId),
    runName: String(meta.run_name ?? ''),
    status,
    startTime: optNumber(meta.start_time) ?? 0,
    endTime: optNumber(meta.end_time),
    artifactUri: String(meta.artifact_uri ?? ''),
    lifecycleStage: meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

/** Files below `dir`, as slash-joined relative paths (the FileStore key of nested keys). */
export function walkFiles(dir: string): Array<{ rel: string; path: string }> {
  const out: Array<{ rel: string; path: string }> = [];
  const visit = (abs: string, rel: string): void => {
    for (const d of readdirSync(abs, { withFileTypes: true })) {
      const childAbs = join(abs, d.name);
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) visit(childAbs, childRel);
      else if (d.isFile() && !d.name.includes('.tmp-')) out.push({ rel: childRel, path: childAbs });
    }
  };
  if (existsSync(dir)) visit(dir, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** params/ or tags/ as a key → value map (values verbatim: FileStore adds no newline). */
export function readKeyValues(runDir: string, sub: 'params' | 'tags'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of walkFiles(join(runDir, sub))) out[f.rel] = readFileSync(f.path, 'utf8');
  return out;
}

export function listMetricFiles(runDir: string): Array<{ key: string; path: string }> {
  return walkFiles(join(runDir, 'metrics')).map((f) => ({ key: f.rel, path: f.path }));
}

/** The local artifact directory: the run's file: artifact_uri if it has one, else `<run>/artifacts`. */
export function localArtifactDir(loc: LocalRunLocation, info: RunInfo): string {
  if (info.artifactUri.startsWith('file:')) {
    try {
      const dir = fileURLToPath(info.artifactUri);
      if (existsSync(dir)) return dir;
    } catch {
      // Unparseable: fall through to the conventional place.
    }
    // A run copied from another machine keeps that machine's path: use the conventional place.
  }
  return resolve(loc.runDir, 'artifacts');
}

export interface LocalArtifact {
  rel: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export function listLocalArtifacts(dir: string): LocalArtifact[] {
  return walkFiles(dir).map((f) => {
    const st = statSync(f.path);
    return { rel: f.rel, path: f.path, size: st.size, mtimeMs: st.mtimeMs };
  });
}
