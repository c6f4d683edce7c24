/**
 * Replay local runs (MLflow FileStore layout under `runs/`) to an MLflow server, idempotently.
 *
 * The local store is the source of truth; the server is a replica that may lag. Per run and
 * server, a sidecar (sync-state.ts) records what the server has confirmed, so syncing twice
 * sends nothing the second time, and a sync killed at any point resumes without losing or
 * duplicating a metric point (metric-replay.ts explains how).
 *
 * Run identity: the remote run carries the tag `untangle.local_run_id`. If the sidecar is lost
 * (or the process died between runs/create and saving the remote id), the run is found again by
 * that tag instead of being created twice, and all its metrics are reconciled against the server.
 *
 * Parent links: a local `mlflow.parentRunId` naming another local run is rewritten to that run's
 * remote id; the parent is synced first.
 */
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { UntangleError, isUntangleError } from '../../util/errors.ts';
import type { RunStatus } from '../types.ts';
import { MlflowRestClient, isAmbiguous, mlflowErrorCode } from './client.ts';
import {
  findLocalRun, listLocalArtifacts, listLocalRuns, listMetricFiles, localArtifactDir, readExperimentMeta,
  readKeyValues, readRunMeta, type LocalRunLocation,
} from './layout.ts';
import { sanitizeKey } from './limits.ts';
import { readMetricSlice } from './metric-lines.ts';
import { replayMetrics, type MetricReplayOptions } from './metric-replay.ts';
import { placeParams, placeTags } from './oversized.ts';
import { freshState, loadState, paramPushed, saveState, tagPushed, withSyncLock, type SyncState } from './sync-state.ts';

export const LOCAL_RUN_ID_TAG = 'untangle.local_run_id';
export const PARENT_RUN_ID_TAG = 'mlflow.parentRunId';

export interface SyncOptions extends MetricReplayOptions {
  /** Notices a user should see (a renamed key, a param moved to an artifact). */
  warn?: (message: string) => void;
  lockTimeoutMs?: number;
}

export interface RunSyncResult {
  localRunId: string;
  remoteRunId: string;
  remoteExperimentId: string;
  /** A remote run was created by this call (false: it existed, or was found by its tag). */
  created: boolean;
  /** The remote run was found by its `untangle.local_run_id` tag without a sidecar. */
  adopted: boolean;
  metricsSent: number;
  metricsAlreadyThere: number;
  paramsSent: number;
  tagsSent: number;
  artifactsSent: number;
  statusPushed: RunStatus | null;
  complete: boolean;
}

/** MLflow run ids (uuid hex); anything else is never looked up as a path. */
const RUN_ID_RE = /^[A-Za-z0-9][\w-]{0,255}$/;

const TERMINAL: ReadonlySet<RunStatus> = new Set(['FINISHED', 'FAILED', 'KILLED']);

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export async function syncRun(localRoot: string, runId: string, client: MlflowRestClient, opts: SyncOptions = {}): Promise<RunSyncResult> {
  return syncRunInner(localRoot, runId, client, opts, new Set());
}

async function syncRunInner(
  localRoot: string, runId: string, client: MlflowRestClient, opts: SyncOptions, visiting: Set<string>,
): Promise<RunSyncResult> {
  // Run ids are directory names and go into a search filter: accept MLflow's shape only.
  if (!RUN_ID_RE.test(runId)) {
    throw new UntangleError('SYNC_BAD_RUN_ID', `'${runId}' is not a run id`, { runId }, 'run ids are the directory names under runs/<experiment_id>/');
  }
  const loc = findLocalRun(localRoot, runId);
  if (!loc) {
    throw new UntangleError('SYNC_RUN_NOT_FOUND', `no run '${runId}' in the local store`, { localRoot, runId },
      'list local runs with `MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri runs` or ls runs/*/');
  }
  visiting.add(runId);
  // The parent first, outside our lock (its own lock serialises it), so its remote id exists.
  const localTags = readKeyValues(loc.runDir, 'tags');
  const parentLocal = localTags[PARENT_RUN_ID_TAG];
  let parentRemote: string | null = null;
  if (parentLocal && RUN_ID_RE.test(parentLocal) && !visiting.has(parentLocal) && findLocalRun(localRoot, parentLocal)) {
    parentRemote = await remoteIdOf(localRoot, parentLocal, client, opts, visiting);
  }
  return withSyncLock(loc.runDir, client.uri, opts.lockTimeoutMs ?? 120_000, () => syncLocked(loc, client, opts, parentRemote));
}

/** The remote id of a local run, syncing it if it was never synced. */
async function remoteIdOf(localRoot: string, runId: string, client: MlflowRestClient, opts: SyncOptions, visiting: Set<string>): Promise<string> {
  const loc = findLocalRun(localRoot, runId)!;
  const known = loadState(loc.runDir, client.uri)?.remoteRunId;
  if (known) return known;
  try {
    return (await syncRunInner(localRoot, runId, client, opts, visiting)).remoteRunId;
  } catch (e) {
    // The parent exists remotely but failed later (say, on an artifact): the child only needs its id.
    const created = loadState(loc.runDir, client.uri)?.remoteRunId;
    if (created) return created;
    throw e;
  }
}

async function syncLocked(loc: LocalRunLocation, client: MlflowRestClient, opts: SyncOptions, parentRemote: string | null): Promise<RunSyncResult> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`untangle: ${m}\n`));
  const info = readRunMeta(loc);
  const state = loadState(loc.runDir, client.uri) ?? freshState(client.uri, loc.runId);
  state.localRunId = loc.runId;
  const res: RunSyncResult = {
    localRunId: loc.runId, remoteRunId: '', remoteExperimentId: '', created: false, adopted: false,
    metricsSent: 0, metricsAlreadyThere: 0, paramsSent: 0, tagsSent: 0, artifactsSent: 0, statusPushed: null, complete: false,
  };

  if (!state.remoteRunId) await ensureRemoteRun(loc, info.runName, info.startTime, client, state, res);
  res.remoteRunId = state.remoteRunId!;
  res.remoteExperimentId = state.remoteExperimentId!;
  const remote = { runId: state.remoteRunId!, artifactUri: state.remoteArtifactUri! };

  // Params and tags: keys made server-safe, oversized values moved to artifacts.
  const renamed = (kind: string, m: Record<string, string>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      const safe = sanitizeKey(k);
      if (safe !== k && !(safe in state.params) && !(safe in state.tags)) warn(`${kind} key '${k}' is sent to MLflow as '${safe}'`);
      out[safe] = v;
    }
    return out;
  };
  const tags = renamed('tag', readKeyValues(loc.runDir, 'tags'));
  if (parentRemote) tags[PARENT_RUN_ID_TAG] = parentRemote;
  tags[LOCAL_RUN_ID_TAG] = loc.runId;
  if (info.runName && !tags['mlflow.runName']) tags['mlflow.runName'] = info.runName;
  const p = placeParams(renamed('param', readKeyValues(loc.runDir, 'params')));
  const t = placeTags({ ...tags, ...p.tags });
  for (const a of [...p.artifacts, ...t.artifacts]) {
    const digest = sha(a.data);
    if (state.valueArtifacts[a.path] === digest) continue;
    warn(`a value too long for MLflow is stored as artifact ${a.path} of run ${loc.runId}`);
    await client.logArtifact(remote, a.path, a.data);
    state.valueArtifacts[a.path] = digest;
    saveState(loc.runDir, state);
  }
  const newParams = Object.fromEntries(Object.entries(p.params).filter(([k, v]) => state.params[k] !== sha(v)));
  if (Object.keys(newParams).length > 0) {
    await logParamsTolerant(client, remote.runId, newParams, warn);
    for (const [k, v] of Object.entries(newParams)) state.params[k] = sha(v);
    res.paramsSent = Object.keys(newParams).length;
    saveState(loc.runDir, state);
  }
  const newTags = Object.fromEntries(Object.entries(t.tags).filter(([k, v]) => state.tags[k] !== v));
  if (Object.keys(newTags).length > 0) {
    await client.logBatch(remote.runId, { tags: newTags });
    Object.assign(state.tags, newTags);
    res.tagsSent = Object.keys(newTags).length;
    saveState(loc.runDir, state);
  }

  const m = await replayMetrics(loc.runDir, state, client, opts);
  res.metricsSent = m.sent;
  res.metricsAlreadyThere = m.alreadyThere;

  for (const a of listLocalArtifacts(localArtifactDir(loc, info))) {
    const seen = state.artifacts[a.rel];
    if (seen && seen.size === a.size && seen.mtimeMs === a.mtimeMs) continue;
    await client.logArtifact(remote, a.rel, readFileSync(a.path));
    state.artifacts[a.rel] = { size: a.size, mtimeMs: a.mtimeMs };
    res.artifactsSent++;
    saveState(loc.runDir, state);
  }

  // Status last: a FINISHED run on the server must already hold everything.
  const fresh = readRunMeta(loc);
  if (!state.status || state.status.status !== fresh.status || state.status.endTime !== fresh.endTime) {
    await client.updateRun(remote.runId, { status: fresh.status, endTime: fresh.endTime });
    state.status = { status: fresh.status, endTime: fresh.endTime };
    res.statusPushed = fresh.status;
  }
  state.complete = TERMINAL.has(fresh.status) && Object.keys(state.pending).length === 0 && isFullySynced(loc, state);
  res.complete = state.complete;
  saveState(loc.runDir, state);
  return res;
}

/** Create the remote run, or find it by its local-id tag if an earlier attempt already made it. */
async function ensureRemoteRun(
  loc: LocalRunLocation, runName: string, startTime: number, client: MlflowRestClient, state: SyncState, res: RunSyncResult,
): Promise<void> {
  const exp = readExperimentMeta(loc.root, loc.experimentId);
  const experimentId = await client.getOrCreateExperiment(exp.name);
  for (let attempt = 0; ; attempt++) {
    const found = await client.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${LOCAL_RUN_ID_TAG}\` = '${loc.runId}'`, includeDeleted: true });
    let remote = found[0]?.info ?? null;
    if (remote) {
      res.adopted = true;
      // Whatever the server holds of this run is unknown: reconcile every metric file in full.
      for (const f of listMetricFiles(loc.runDir)) state.pending[f.key] = { from: 0, to: readMetricSlice(f.path, f.key, 0).end };
      state.metricOffsets = {};
      state.status = { status: remote.status, endTime: remote.endTime };
    } else {
      try {
        remote = await client.createRun({ experimentId, runName, startTime, tags: { [LOCAL_RUN_ID_TAG]: loc.runId } });
      } catch (e) {
        // Maybe created, maybe not: look again by tag rather than risk a twin.
        if (isAmbiguous(e) && attempt < 3) continue;
        throw e;
      }
      res.created = true;
      state.status = { status: 'RUNNING', endTime: null };
    }
    state.remoteRunId = remote.runId;
    state.remoteExperimentId = experimentId;
    state.remoteArtifactUri = remote.artifactUri;
    saveState(loc.runDir, state);
    return;
  }
}

/**
 * Params are immutable on the server: re-logging the same value is fine, a different value is
 * refused. If a batch is refused that way (a local param was rewritten), log one by one and warn
 * about the conflicting ones instead of stalling the whole replay forever.
 */
async function logParamsTolerant(client: MlflowRestClient, runId: string, params: Record<string, string>, warn: (m: string) => void): Promise<void> {
  try {
    await client.logBatch(runId, { params });
  } catch (e) {
    if (mlflowErrorCode(e) !== 'INVALID_PARAMETER_VALUE') throw e;
    for (const [key, value] of Object.entries(params)) {
      try {
        await client.logBatch(runId, { params: { [key]: value } });
      } catch (e2) {
        if (mlflowErrorCode(e2) !== 'INVALID_PARAMETER_VALUE') throw e2;
        warn(`param '${key}' already has a different value on the server; MLflow params are immutable, keeping the server's`);
      }
    }
  }
}

// ---- `untangle sync` -----------------------------------------------------------------------

export interface SyncReportEntry {
  localRunId: string;
  ok: boolean;
  result?: RunSyncResult;
  /** Formatted UntangleError (already redacted). */
  error?: string;
  errorCode?: string;
}

export interface SyncReport {
  server: string;
  localRoot: string;
  runs: SyncReportEntry[];
  ok: boolean;
}

/**
 * Whether the server holds everything on disk for this run, judged cheaply (stat, no reads of
 * metric data): every metric file ends exactly at its confirmed offset (a torn last line is not
 * synced), the status matches, and no param/tag/artifact is new. A run resumed or appended to
 * after it was complete is therefore picked up again.
 */
function isFullySynced(loc: LocalRunLocation, state: SyncState): boolean {
  const info = readRunMeta(loc);
  if (!state.status || state.status.status !== info.status || state.status.endTime !== info.endTime) return false;
  for (const f of listMetricFiles(loc.runDir)) if (statSync(f.path).size !== (state.metricOffsets[f.key] ?? 0)) return false;
  for (const k of Object.keys(readKeyValues(loc.runDir, 'params'))) if (!paramPushed(state, k)) return false;
  for (const k of Object.keys(readKeyValues(loc.runDir, 'tags'))) if (!tagPushed(state, k)) return false;
  for (const a of listLocalArtifacts(localArtifactDir(loc, info))) {
    const seen = state.artifacts[a.rel];
    if (!seen || seen.size !== a.size || seen.mtimeMs !== a.mtimeMs) return false;
  }
  return true;
}

/** Runs not fully on this server (no sidecar, interrupted, or changed since). */
export function unsyncedRuns(localRoot: string, serverUri: string): string[] {
  return listLocalRuns(localRoot).filter((loc) => {
    const state = loadState(loc.runDir, serverUri);
    return !state || !state.complete || !isFullySynced(loc, state);
  }).map((l) => l.runId);
}

/**
 * The core of `untangle sync [RUN_ID…]`: push the given runs (default: every run not fully
 * synced to this server). One run's failure does not stop the others; the report says which.
 */
export async function syncRuns(localRoot: string, uri: string, runIds?: string[], opts: SyncOptions & { client?: MlflowRestClient } = {}): Promise<SyncReport> {
  const client = opts.client ?? new MlflowRestClient({ uri });
  const ids = runIds && runIds.length > 0 ? runIds : unsyncedRuns(localRoot, client.uri);
  const report: SyncReport = { server: client.uri, localRoot, runs: [], ok: true };
  for (const id of ids) {
    try {
      report.runs.push({ localRunId: id, ok: true, result: await syncRun(localRoot, id, client, opts) });
    } catch (e) {
      report.ok = false;
      const err = isUntangleError(e) ? e : new UntangleError('SYNC_FAILED', (e as Error).message ?? String(e), { runId: id });
      report.runs.push({ localRunId: id, ok: false, error: client.http.redact(err.format()), errorCode: err.code });
      // A server that cannot be reached will not answer for the next run either.
      if (err.code === 'MLFLOW_UNREACHABLE' || err.code === 'MLFLOW_AUTH' || err.code === 'MLFLOW_TIMEOUT') {
        for (const rest of ids.slice(ids.indexOf(id) + 1)) report.runs.push({ localRunId: rest, ok: false, error: 'skipped: server unavailable', errorCode: err.code });
        break;
      }
    }
  }
  return report;
}
