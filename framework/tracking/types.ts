/**
 * The tracking interface. The trainer only ever talks to a Tracker; the default is the local
 * MLflow-FileStore-compatible store under `runs/`, and a remote MLflow server plugs in behind the
 * same interface (offline-first: events go to the local store, then are replayed).
 */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** MLflow's integer encoding of RunStatus, as FileStore meta.yaml stores it. */
export const RUN_STATUS_CODE: Record<RunStatus, number> = {
  RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5,
};

export interface MetricPoint {
  key: string;
  value: number;
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  /** `file:///abs/path/runs/<exp>/<run>/artifacts` for the local store. */
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
}

export interface RunRecord {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Latest value per metric key (MLflow's rule: max over (step, timestamp, value)). */
  metrics: Record<string, MetricPoint>;
}

export interface DatasetInput {
  name: string;
  digest: string;
  source: string;
  sourceType: string;
}

/** A live run being written. */
export interface RunWriter {
  readonly info: RunInfo;
  /** Local directory where this run's artifacts are stored. */
  readonly artifactDir: string;
  logParams(params: Record<string, string>): void;
  setTags(tags: Record<string, string>): void;
  logMetrics(points: MetricPoint[]): void;
  logArtifact(relPath: string, data: string | Uint8Array): void;
  logArtifactFile(localPath: string, relPath: string): void;
  logInput(input: DatasetInput): void;
  end(status: RunStatus): void;
  /** Wait until everything logged so far is durable where it is going. */
  flush(): Promise<void>;
}

export interface CreateRunOptions {
  experimentName: string;
  runName: string;
  tags?: Record<string, string>;
  startTime?: number;
}

export interface Tracker {
  /** Human-readable location, e.g. `file:///work/main/runs` or `http://host:5000`. */
  readonly uri: string;
  getOrCreateExperiment(name: string): string;
  createRun(opts: CreateRunOptions): RunWriter;
  /** Re-open an existing run for appending (resume). */
  openRun(runId: string): RunWriter;
  getRun(runId: string): RunRecord | null;
  metricHistory(runId: string, key: string): MetricPoint[];
  /** All runs, optionally of some experiments and matching all the given tags. */
  searchRuns(opts?: { experimentIds?: string[]; tags?: Record<string, string> }): RunRecord[];
  /** Local directory of a run's artifacts. */
  artifactDir(runId: string): string | null;
  /** Finish background work (a remote tracker's final flush); bounded, never throws. */
  close?(): Promise<unknown>;
}
