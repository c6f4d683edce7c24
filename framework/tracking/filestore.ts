import { existsSync, mkdirSync, readdirSync, readFileSync, appendFileSync, copyFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { randomUUID, createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { pathToFileURL } from 'node:url';
import {
  type CreateRunOptions, type DatasetInput, type MetricPoint, type RunInfo, type RunRecord, type RunStatus,
  type RunWriter, type Tracker, RUN_STATUS_CODE,
} from './types.ts';
import { writeFileAtomic } from './fs-atomic.ts';
import { parseMetricLine } from './rest/metric-lines.ts';
import { UntangleError } from '../util/errors.ts';

const STATUS_BY_CODE: Record<number, RunStatus> = Object.fromEntries(
  Object.entries(RUN_STATUS_CODE).map(([k, v]) => [v, k as RunStatus]),
) as Record<number, RunStatus>;

const KEY_RE = /^[/\w.\- ]*$/;

/**
 * The embedded tracking store: MLflow's FileStore layout, byte for byte, so `mlflow ui` and
 * `MlflowClient('file:runs')` read it (with MLFLOW_ALLOW_FILE_STORE=true on MLflow ≥ 3.13):
 *   <root>/<exp_id>/meta.yaml
 *   <root>/<exp_id>/<run_id>/meta.yaml            status as an integer (RUNNING = 1)
 *   <root>/<exp_id>/<run_id>/metrics/<key>        "<timestamp_ms> <value> <step>" per line
 *   <root>/<exp_id>/<run_id>/{params,tags}/<key>  the value is the whole file
 *   <root>/<exp_id>/<run_id>/artifacts/...
 * Writes are synchronous and appended, so a killed process loses at most the line being written.
 */
export class FileStore implements Tracker {
  readonly root: string;
  readonly uri: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  getOrCreateExperiment(name: string): string {
    this.ensureDefaultExperiment();
    for (const id of this.experimentIds()) {
      if (this.readMeta(join(this.root, id, 'meta.yaml'))?.name === name) return id;
    }
    const id = String(Math.max(0, ...this.experimentIds().map(Number).filter(Number.isFinite)) + 1);
    this.writeExperiment(id, name);
    return id;
  }

  createRun(opts: CreateRunOptions): RunWriter {
    const experimentId = this.getOrCreateExperiment(opts.experimentName);
    const runId = randomUUID().replace(/-/g, '');
    const dir = join(this.root, experimentId, runId);
    const info: RunInfo = {
      runId, experimentId, runName: opts.runName, status: 'RUNNING',
      startTime: opts.startTime ?? Date.now(), endTime: null,
      artifactUri: pathToFileURL(join(dir, 'artifacts')).href, lifecycleStage: 'active',
    };
    for (const sub of ['metrics', 'params', 'tags', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
    writeRunMeta(dir, info);
    const w = new FileRunWriter(dir, info);
    w.setTags({ 'mlflow.runName': opts.runName, 'mlflow.user': safeUser(), 'mlflow.source.type': 'LOCAL', ...opts.tags });
    return w;
  }

  openRun(runId: string): RunWriter {
    const dir = this.runDir(runId);
    const info = dir ? readRunInfo(dir) : null;
    if (!dir || !info) throw new UntangleError('run-not-found', `no run '${runId}' in ${this.root}`, { runId, store: this.root });
    return new FileRunWriter(dir, info);
  }

  getRun(runId: string): RunRecord | null {
    const dir = this.runDir(runId);
    if (!dir) return null;
    const info = readRunInfo(dir);
    if (!info) return null;
    const metrics: Record<string, MetricPoint> = {};
    for (const key of listKeys(join(dir, 'metrics'))) {
      const hist = readMetricFile(join(dir, 'metrics', key), key);
      if (hist.length) metrics[key] = hist.reduce((a, b) => (compareLatest(a, b) >= 0 ? a : b));
    }
    return { info, params: readKeyValues(join(dir, 'params')), tags: readKeyValues(join(dir, 'tags')), metrics };
  }

  metricHistory(runId: string, key: string): MetricPoint[] {
    const dir = this.runDir(runId);
    return dir ? readMetricFile(join(dir, 'metrics', key), key) : [];
  }

  searchRuns(opts: { experimentIds?: string[]; tags?: Record<string, string> } = {}): RunRecord[] {
    const out: RunRecord[] = [];
    for (const exp of opts.experimentIds ?? this.experimentIds()) {
      const expDir = join(this.root, exp);
      if (!existsSync(expDir)) continue;
      for (const runId of readdirSync(expDir)) {
        if (!existsSync(join(expDir, runId, 'meta.yaml')) || runId === 'datasets') continue;
        const rec = this.getRun(runId);
        if (!rec) continue;
        if (opts.tags && !Object.entries(opts.tags).every(([k, v]) => rec.tags[k] === v)) continue;
        out.push(rec);
      }
    }
    return out.sort((a, b) => b.info.startTime - a.info.startTime);
  }

  artifactDir(runId: string): string | null {
    const dir = this.runDir(runId);
    return dir ? join(dir, 'artifacts') : null;
  }

  /** The directory of a run, wherever its experiment is. */
  runDir(runId: string): string | null {
    if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId)) return null;
    for (const exp of this.experimentIds()) {
      const d = join(this.root, exp, runId);
      if (existsSync(join(d, 'meta.yaml'))) return d;
    }
    return null;
  }

  private experimentIds(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root).filter((d) => !d.startsWith('.') && existsSync(join(this.root, d, 'meta.yaml')));
  }

  private ensureDefaultExperiment(): void {
    if (!existsSync(join(this.root, '0', 'meta.yaml'))) this.writeExperiment('0', 'Default');
  }

  private writeExperiment(id: string, name: string): void {
    const now = Date.now();
    writeFileAtomic(join(this.root, id, 'meta.yaml'), stringifyYaml({
      artifact_location: pathToFileURL(join(this.root, id)).href,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    }));
  }

  private readMeta(path: string): Record<string, unknown> | null {
    return existsSync(path) ? (parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
  }
}

class FileRunWriter implements RunWriter {
  readonly artifactDir: string;

  constructor(private readonly dir: string, readonly info: RunInfo) {
    this.artifactDir = join(dir, 'artifacts');
  }

  logParams(params: Record<string, string>): void {
    for (const [k, v] of Object.entries(params)) {
      checkKey(k);
      const p = join(this.dir, 'params', k);
      if (existsSync(p) && readFileSync(p, 'utf8') !== v) {
        throw new UntangleError('param-immutable', `param '${k}' is already logged with another value (MLflow params are immutable)`, { key: k, old: readFileSync(p, 'utf8'), new: v }, 'fork the run instead of changing its config');
      }
      writeFileAtomic(p, v);
    }
  }

  setTags(tags: Record<string, string>): void {
    for (const [k, v] of Object.entries(tags)) {
      checkKey(k);
      writeFileAtomic(join(this.dir, 'tags', k), v);
    }
  }

  logMetrics(points: MetricPoint[]): void {
    const byKey = new Map<string, string[]>();
    for (const p of points) {
      checkKey(p.key);
      const line = `${Math.round(p.timestamp)} ${formatValue(p.value)} ${Math.round(p.step)}\n`;
      const l = byKey.get(p.key);
      if (l) l.push(line);
      else byKey.set(p.key, [line]);
    }
    for (const [key, lines] of byKey) {
      const file = join(this.dir, 'metrics', key);
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, lines.join(''));
    }
  }

  logArtifact(relPath: string, data: string | Uint8Array): void {
    writeFileAtomic(this.artifactPath(relPath), data);
  }

  logArtifactFile(localPath: string, relPath: string): void {
    const dest = this.artifactPath(relPath);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(localPath, `${dest}.tmp`);
    writeFileAtomic(dest, readFileSync(`${dest}.tmp`));
  }

  logInput(input: DatasetInput): void {
    // MLflow's FileStore keeps datasets per experiment and links them to runs by md5 ids.
    const expDir = dirname(this.dir);
    const digest = input.digest.slice(0, 36);
    const datasetId = createHash('md5').update(input.name).update(digest).digest('hex');
    const datasetMeta = join(expDir, 'datasets', datasetId, 'meta.yaml');
    if (!existsSync(datasetMeta)) {
      writeFileAtomic(datasetMeta, stringifyYaml({ name: input.name, digest, source_type: input.sourceType, source: input.source, schema: null, profile: null }));
    }
    const inputId = createHash('md5').update(datasetId).update(this.info.runId).digest('hex');
    writeFileAtomic(join(this.dir, 'inputs', inputId, 'meta.yaml'), stringifyYaml({
      source_type: 'DATASET', source_id: datasetId, destination_type: 'RUN', destination_id: this.info.runId, tags: {},
    }));
  }

  end(status: RunStatus): void {
    this.info.status = status;
    this.info.endTime = Date.now();
    writeRunMeta(this.dir, this.info);
  }

  async flush(): Promise<void> {
    // Every write above is synchronous: nothing is pending.
  }

  private artifactPath(relPath: string): string {
    const p = resolve(this.artifactDir, relPath);
    if (!p.startsWith(this.artifactDir)) throw new UntangleError('artifact-path', `artifact path '${relPath}' leaves the run's artifact directory`, { relPath });
    return p;
  }
}

function checkKey(key: string): void {
  if (!key || key.length > 250 || !KEY_RE.test(key) || key.startsWith('/') || key.split('/').includes('..')) {
    throw new UntangleError('tracking-key', `invalid MLflow key '${key}'`, { key }, 'keys are at most 250 characters of letters, digits, _ - . / and space, with no leading / or ..');
  }
}

/** Python's float repr for the values MLflow writes (nan, inf), so MLflow parses them back. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

function writeRunMeta(dir: string, info: RunInfo): void {
  writeFileAtomic(join(dir, 'meta.yaml'), stringifyYaml({
    artifact_uri: info.artifactUri,
    end_time: info.endTime,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    run_uuid: info.runId,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: info.startTime,
    status: RUN_STATUS_CODE[info.status],
    tags: [],
    user_id: safeUser(),
  }));
}

function readRunInfo(dir: string): RunInfo | null {
  const p = join(dir, 'meta.yaml');
  if (!existsSync(p)) return null;
  const m = parseYaml(readFileSync(p, 'utf8')) as Record<string, unknown>;
  return {
    runId: String(m.run_id),
    experimentId: String(m.experiment_id),
    runName: String(m.run_name ?? ''),
    status: STATUS_BY_CODE[Number(m.status)] ?? 'RUNNING',
    startTime: Number(m.start_time),
    endTime: m.end_time === null || m.end_time === undefined ? null : Number(m.end_time),
    artifactUri: String(m.artifact_uri),
    lifecycleStage: m.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

/** Keys may contain '/', which makes subdirectories: list files recursively, as keys. */
function listKeys(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name.includes('.tmp-')) return [];
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listKeys(p, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

function readKeyValues(dir: string): Record<string, string> {
  return Object.fromEntries(listKeys(dir).map((k) => [k, readFileSync(join(dir, k), 'utf8')]));
}

function readMetricFile(path: string, key: string): MetricPoint[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const out: MetricPoint[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    // A last line without its newline may be torn by a kill mid-append: it is not a point yet.
    if (i === lines.length - 1 && !text.endsWith('\n')) return;
    out.push(parseMetricLine(line, key, path));
  });
  return out;
}

/** MLflow's "latest" metric: the maximum over (step, timestamp, value). */
function compareLatest(a: MetricPoint, b: MetricPoint): number {
  return a.step - b.step || a.timestamp - b.timestamp || a.value - b.value;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
