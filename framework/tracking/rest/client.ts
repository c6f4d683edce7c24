/**
 * A client for MLflow's REST API (`/api/2.0/mlflow`). No maintained JavaScript client exists,
 * so this follows the API as the server implements it (mlflow/server/handlers.py): JSON bodies
 * with Content-Type application/json, errors as `{error_code, message}`, metric values as JSON
 * numbers or the strings "NaN"/"Infinity"/"-Infinity", timestamps in milliseconds.
 */
import { UntangleError, isUntangleError } from '../../util/errors.ts';
import type { MetricPoint, RunInfo, RunRecord, RunStatus } from '../types.ts';
import { artifactTarget, proxyPath, writeFileArtifact } from './artifact-target.ts';
import { authFromEnv, splitUriCredentials, type MlflowAuth } from './auth.ts';
import { planLogBatches, type WireKeyValue } from './batching.ts';
import { HttpTransport, type FetchLike, type HttpRequest, type RetryPolicy } from './http.ts';
import { codepointLength, decodeMetricValue, keyProblem, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH } from './limits.ts';

const API = '/api/2.0/mlflow';

export interface MlflowRestClientOptions {
  /** http(s) URL of the tracking server (MLFLOW_TRACKING_URI / tracking.uri). */
  uri: string;
  /** Defaults to MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD, then user:pass@ in the URI. */
  auth?: MlflowAuth;
  retry?: Partial<RetryPolicy>;
  fetch?: FetchLike;
  jitterSeed?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RemoteExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
}

export interface CreateRemoteRun {
  experimentId: string;
  runName?: string;
  startTime?: number;
  tags?: Record<string, string>;
}

export interface LogBatchInput {
  metrics?: MetricPoint[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export class MlflowRestClient {
  /** The server URI without credentials: safe to print and to key sync state by. */
  readonly uri: string;
  readonly http: HttpTransport;
  private readonly experimentIds = new Map<string, string>();

  constructor(opts: MlflowRestClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(opts.uri);
    } catch {
      throw badUri(opts.uri, 'it is not a URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw badUri(`${parsed.protocol}//${parsed.host}${parsed.pathname}`, `the scheme '${parsed.protocol.replace(/:$/, '')}' is not http or https`);
    }
    const { uri, auth: uriAuth } = splitUriCredentials(parsed);
    const envAuth = opts.auth ?? authFromEnv();
    const auth = envAuth.kind !== 'none' ? envAuth : uriAuth;
    this.uri = uri.toString().replace(/\/+$/, '');
    this.http = new HttpTransport({ baseUrl: uri, auth, retry: opts.retry, fetch: opts.fetch, jitterSeed: opts.jitterSeed, sleep: opts.sleep });
  }

  // ---- experiments -------------------------------------------------------------------------

  async getExperimentByName(name: string): Promise<RemoteExperiment | null> {
    try {
      const r = await this.call({ method: 'GET', path: `${API}/experiments/get-by-name`, query: { experiment_name: name } });
      return parseExperiment(field(r, 'experiment'));
    } catch (e) {
      if (mlflowErrorCode(e) === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }

  async createExperiment(name: string, artifactLocation?: string): Promise<string> {
    const r = await this.call({
      method: 'POST', path: `${API}/experiments/create`, retry: 'unsent',
      json: artifactLocation ? { name, artifact_location: artifactLocation } : { name },
    });
    return String(field(r, 'experiment_id'));
  }

  /**
   * Get-or-create by name. Two processes (a sweep's workers) may both see "missing" and both
   * create: the loser gets RESOURCE_ALREADY_EXISTS and reads the winner's id.
   */
  async getOrCreateExperiment(name: string): Promise<string> {
    const cached = this.experimentIds.get(name);
    if (cached) return cached;
    let id: string;
    const existing = await this.getExperimentByName(name);
    if (existing) {
      if (existing.lifecycleStage === 'deleted') {
        throw new UntangleError('MLFLOW_EXPERIMENT_DELETED', `experiment '${name}' exists on the server but is deleted`,
          { server: this.uri, experimentId: existing.experimentId }, 'restore it in the MLflow UI or pick another experiment name');
      }
      id = existing.experimentId;
    } else {
      try {
        id = await this.createExperiment(name);
      } catch (e) {
        if (mlflowErrorCode(e) !== 'RESOURCE_ALREADY_EXISTS' && !isAmbiguous(e)) throw e;
        const again = await this.getExperimentByName(name);
        if (!again) throw e;
        id = again.experimentId;
      }
    }
    this.experimentIds.set(name, id);
    return id;
  }

  // ---- runs --------------------------------------------------------------------------------

  /** Not idempotent (each call makes a run): retried only when the server cannot have seen it. */
  async createRun(opts: CreateRemoteRun): Promise<RunInfo> {
    const tags = Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value }));
    this.checkKeyValues('tag', tags, MAX_TAG_VALUE_LENGTH);
    const r = await this.call({
      method: 'POST', path: `${API}/runs/create`, retry: 'unsent',
      json: { experiment_id: opts.experimentId, run_name: opts.runName, start_time: opts.startTime ?? Date.now(), tags },
    });
    return parseRunInfo(field(field(r, 'run'), 'info'));
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number | null; runName?: string }): Promise<void> {
    await this.call({
      method: 'POST', path: `${API}/runs/update`,
      json: { run_id: runId, status: update.status, end_time: update.endTime ?? undefined, run_name: update.runName },
    });
  }

  async getRun(runId: string): Promise<RunRecord> {
    const r = await this.call({ method: 'GET', path: `${API}/runs/get`, query: { run_id: runId } });
    return parseRun(field(r, 'run'));
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    this.checkKeyValues('tag', [{ key, value }], MAX_TAG_VALUE_LENGTH);
    await this.call({ method: 'POST', path: `${API}/runs/set-tag`, json: { run_id: runId, key, value } });
  }

  /**
   * log-batch, split to the server's limits. Metric batches append points, so they are sent with
   * `retry: 'unsent'`; an ambiguous failure surfaces as an error for the caller to reconcile.
   * Returns the number of requests made.
   */
  async logBatch(runId: string, input: LogBatchInput): Promise<number> {
    const params = Object.entries(input.params ?? {}).map(([key, value]) => ({ key, value }));
    const tags = Object.entries(input.tags ?? {}).map(([key, value]) => ({ key, value }));
    this.checkKeyValues('param', params, MAX_PARAM_VALUE_LENGTH);
    this.checkKeyValues('tag', tags, MAX_TAG_VALUE_LENGTH);
    const badMetric = (input.metrics ?? []).find((m) => keyProblem(m.key) !== null);
    if (badMetric) throw invalidKey('metric', badMetric.key, runId);
    const batches = planLogBatches(runId, { metrics: input.metrics, params, tags });
    for (const body of batches) {
      await this.call({ method: 'POST', path: `${API}/runs/log-batch`, json: body, retry: body.metrics.length > 0 ? 'unsent' : 'all' });
    }
    return batches.length;
  }

  /** The full history of one metric, following next_page_token. */
  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const out: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.call({
        method: 'GET', path: `${API}/metrics/get-history`,
        query: { run_id: runId, metric_key: key, max_results: 25000, page_token: pageToken },
      });
      for (const m of arrayField(r, 'metrics')) out.push(parseMetric(m));
      pageToken = optionalString(r, 'next_page_token');
    } while (pageToken);
    return out;
  }

  async searchRuns(opts: { experimentIds: string[]; filter?: string; includeDeleted?: boolean }): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.call({
        method: 'POST', path: `${API}/runs/search`,
        json: {
          experiment_ids: opts.experimentIds, filter: opts.filter ?? '', max_results: 1000,
          run_view_type: opts.includeDeleted ? 'ALL' : 'ACTIVE_ONLY', page_token: pageToken,
        },
      });
      for (const run of arrayField(r, 'runs')) out.push(parseRun(run));
      pageToken = optionalString(r, 'next_page_token');
    } while (pageToken);
    return out;
  }

  // ---- artifacts ---------------------------------------------------------------------------

  /** Upload one artifact to a run, by the scheme of the run's artifact_uri (see artifact-target.ts). */
  async logArtifact(run: { runId: string; artifactUri: string }, relPath: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const target = artifactTarget(run.artifactUri, run.runId);
    if (target.kind === 'file') {
      writeFileArtifact(target.dir, relPath, bytes, run.runId);
      return;
    }
    await this.call({ method: 'PUT', path: proxyPath(target, relPath, run.runId), body: bytes }, { allowEmpty: true });
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private checkKeyValues(kind: 'param' | 'tag', entries: WireKeyValue[], maxValue: number): void {
    for (const { key, value } of entries) {
      if (keyProblem(key) !== null) throw invalidKey(kind, key, null);
      if (codepointLength(value) > maxValue) {
        throw new UntangleError('MLFLOW_VALUE_TOO_LONG', `${kind} '${key}' has ${codepointLength(value)} characters; MLflow accepts at most ${maxValue}`,
          { key, length: codepointLength(value), limit: maxValue },
          kind === 'param' ? 'the sync layer moves such params to an artifact params/<key>.txt' : undefined);
      }
    }
  }

  /** One API call: send, then map non-2xx answers to UntangleErrors with the server's own words. */
  async call(req: HttpRequest, opts: { allowEmpty?: boolean } = {}): Promise<Record<string, unknown>> {
    const res = await this.http.send(req);
    const url = this.http.redact(this.http.url(req.path));
    let body: unknown = null;
    try {
      body = res.text.length > 0 ? JSON.parse(res.text) : null;
    } catch {
      body = null;
    }
    if (res.status >= 200 && res.status < 300) {
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
      if (opts.allowEmpty || res.text.trim() === '') return {};
      throw new UntangleError('MLFLOW_BAD_RESPONSE', `the server at ${this.uri} did not answer with MLflow JSON`,
        { url, status: res.status, body: this.http.redact(res.text.slice(0, 200)) }, 'is this URI an MLflow tracking server?');
    }
    const serverCode = body !== null && typeof body === 'object' && 'error_code' in body ? String((body as Record<string, unknown>).error_code) : null;
    const serverMessage = body !== null && typeof body === 'object' && 'message' in body
      ? String((body as Record<string, unknown>).message) : res.text.slice(0, 300);
    const context = {
      url, method: req.method, status: res.status, mlflowErrorCode: serverCode,
      serverMessage: this.http.redact(serverMessage), authMethod: this.http.authKind,
    };
    if (res.status === 401 || res.status === 403) {
      throw new UntangleError('MLFLOW_AUTH',
        `the MLflow server at ${this.uri} refused ${res.status === 401 ? 'authentication' : 'permission'} (HTTP ${res.status})`,
        context, 'set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic auth) or MLFLOW_TRACKING_TOKEN (bearer) to credentials the server accepts');
    }
    if (serverCode === null) {
      throw new UntangleError('MLFLOW_NOT_MLFLOW', `the server at ${this.uri} answered HTTP ${res.status} without an MLflow error for ${req.path}`,
        context, 'check that the URI is the root of an MLflow tracking server (e.g. http://host:5000, no extra path)');
    }
    throw new UntangleError('MLFLOW_API_ERROR', `MLflow ${req.method} ${req.path} failed: ${serverCode}: ${this.http.redact(serverMessage)}`, context);
  }
}

/** The MLflow error_code of a failed call, if the server sent one. */
export function mlflowErrorCode(e: unknown): string | null {
  if (!isUntangleError(e)) return null;
  const c = e.context.mlflowErrorCode;
  return typeof c === 'string' ? c : null;
}

/** True when a failure leaves unknown whether the server applied the request. */
export function isAmbiguous(e: unknown): boolean {
  if (!isUntangleError(e)) return false;
  if (e.code === 'MLFLOW_TIMEOUT' || e.code === 'MLFLOW_UNREACHABLE') return true;
  const status = e.context.status;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

function badUri(shown: string, why: string): UntangleError {
  return new UntangleError('MLFLOW_BAD_URI', `invalid MLflow tracking URI '${shown}': ${why}`, { uri: shown },
    'use http://host:port or https://host (MLFLOW_TRACKING_URI or tracking.uri); leave it unset to log only to the local runs/ store');
}

function invalidKey(kind: string, key: string, runId: string | null): UntangleError {
  return new UntangleError('MLFLOW_INVALID_KEY', `${kind} key '${key}' is not accepted by MLflow: ${keyProblem(key)}`,
    { key, runId: runId ?? undefined }, 'the sync layer renames such keys with sanitizeKey()');
}

// ---- response parsing (the server's JSON is untrusted input: narrow, never cast blindly) ----

function field(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object' || !(name in obj)) {
    throw new UntangleError('MLFLOW_BAD_RESPONSE', `MLflow response lacks '${name}'`, { got: JSON.stringify(obj)?.slice(0, 200) });
  }
  return (obj as Record<string, unknown>)[name];
}

function optionalString(obj: unknown, name: string): string | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const v = (obj as Record<string, unknown>)[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function arrayField(obj: unknown, name: string): unknown[] {
  if (obj === null || typeof obj !== 'object') return [];
  const v = (obj as Record<string, unknown>)[name];
  return Array.isArray(v) ? v : [];
}

function str(obj: unknown, name: string, dflt = ''): string {
  const v = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[name] : undefined;
  return v === undefined || v === null ? dflt : String(v);
}

function num(obj: unknown, name: string): number | null {
  const v = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[name] : undefined;
  if (v === undefined || v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function parseExperiment(e: unknown): RemoteExperiment {
  return {
    experimentId: str(e, 'experiment_id'), name: str(e, 'name'),
    artifactLocation: str(e, 'artifact_location'), lifecycleStage: str(e, 'lifecycle_stage', 'active'),
  };
}

const STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

function parseRunInfo(i: unknown): RunInfo {
  const status = str(i, 'status', 'RUNNING');
  return {
    runId: str(i, 'run_id') || str(i, 'run_uuid'),
    experimentId: str(i, 'experiment_id'),
    runName: str(i, 'run_name'),
    status: (STATUSES as readonly string[]).includes(status) ? (status as RunStatus) : 'RUNNING',
    startTime: num(i, 'start_time') ?? 0,
    endTime: num(i, 'end_time'),
    artifactUri: str(i, 'artifact_uri'),
    lifecycleStage: str(i, 'lifecycle_stage', 'active') === 'deleted' ? 'deleted' : 'active',
  };
}

function parseMetric(m: unknown): MetricPoint {
  const v = m !== null && typeof m === 'object' ? (m as Record<string, unknown>).value : undefined;
  return { key: str(m, 'key'), value: decodeMetricValue(v), step: num(m, 'step') ?? 0, timestamp: num(m, 'timestamp') ?? 0 };
}

function parseRun(r: unknown): RunRecord {
  const data = r !== null && typeof r === 'object' ? (r as Record<string, unknown>).data : undefined;
  const kv = (name: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const e of arrayField(data, name)) out[str(e, 'key')] = str(e, 'value');
    return out;
  };
  const metrics: Record<string, MetricPoint> = {};
  for (const m of arrayField(data, 'metrics')) {
    const p = parseMetric(m);
    metrics[p.key] = p;
  }
  return { info: parseRunInfo(field(r, 'info')), params: kv('params'), tags: kv('tags'), metrics };
}
