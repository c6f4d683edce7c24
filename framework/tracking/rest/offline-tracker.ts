/**
 * Offline-first tracking to an MLflow server: every write goes to the local store (the local
 * Tracker, e.g. the FileStore under runs/) synchronously, exactly as without a server; a
 * BackgroundFlusher per live run replays it to the server. Reads are answered locally.
 */
import { fileURLToPath } from 'node:url';
import { UntangleError } from '../../util/errors.ts';
import type { CreateRunOptions, DatasetInput, MetricPoint, RunInfo, RunRecord, RunStatus, RunWriter, Tracker } from '../types.ts';
import type { MlflowRestClient } from './client.ts';
import { BackgroundFlusher, type FlushOutcome } from './flusher.ts';
import type { SyncOptions } from './sync.ts';

export interface OfflineFirstOptions {
  /** Root of the local MLflow-layout store; defaults to the local tracker's file: URI. */
  localRoot?: string;
  intervalMs?: number;
  /** Bound on the final flush in close(). */
  closeTimeoutMs?: number;
  warn?: (message: string) => void;
  warnEveryMs?: number;
  sync?: SyncOptions;
}

export interface CloseReport {
  runs: Array<{ runId: string; outcome: FlushOutcome }>;
  /** Every run reached the server completely. */
  ok: boolean;
}

export class OfflineFirstTracker implements Tracker {
  readonly localRoot: string;
  private readonly flushers = new Map<string, BackgroundFlusher>();

  constructor(private readonly local: Tracker, private readonly client: MlflowRestClient, private readonly opts: OfflineFirstOptions = {}) {
    this.localRoot = opts.localRoot ?? localRootOf(local);
  }

  get uri(): string {
    return this.client.uri;
  }

  getOrCreateExperiment(name: string): string {
    return this.local.getOrCreateExperiment(name);
  }

  createRun(opts: CreateRunOptions): RunWriter {
    return this.attach(this.local.createRun(opts));
  }

  openRun(runId: string): RunWriter {
    return this.attach(this.local.openRun(runId));
  }

  getRun(runId: string): RunRecord | null {
    return this.local.getRun(runId);
  }

  metricHistory(runId: string, key: string): MetricPoint[] {
    return this.local.metricHistory(runId, key);
  }

  searchRuns(opts?: { experimentIds?: string[]; tags?: Record<string, string> }): RunRecord[] {
    return this.local.searchRuns(opts);
  }

  artifactDir(runId: string): string | null {
    return this.local.artifactDir(runId);
  }

  /** The flusher of a live run (for a progress display or a test). */
  flusher(runId: string): BackgroundFlusher | undefined {
    return this.flushers.get(runId);
  }

  /** Final flush of every run, each bounded by closeTimeoutMs; never throws. */
  async close(): Promise<CloseReport> {
    const entries = [...this.flushers.entries()];
    this.flushers.clear();
    const outcomes = await Promise.all(entries.map(async ([runId, f]) => ({ runId, outcome: await f.stop(this.opts.closeTimeoutMs ?? 30_000) })));
    return { runs: outcomes, ok: outcomes.every((o) => o.outcome.ok && o.outcome.result.complete) };
  }

  private attach(writer: RunWriter): RunWriter {
    const runId = writer.info.runId;
    let flusher = this.flushers.get(runId);
    if (!flusher) {
      flusher = new BackgroundFlusher(this.localRoot, runId, this.client, {
        intervalMs: this.opts.intervalMs, warn: this.opts.warn, warnEveryMs: this.opts.warnEveryMs, sync: this.opts.sync,
      }).start();
      this.flushers.set(runId, flusher);
    }
    return new MirroredRunWriter(writer, flusher);
  }
}

/** A RunWriter that writes locally and nudges the flusher at the moments that matter. */
class MirroredRunWriter implements RunWriter {
  constructor(private readonly inner: RunWriter, private readonly flusher: BackgroundFlusher) {}
  get info(): RunInfo { return this.inner.info; }
  get artifactDir(): string { return this.inner.artifactDir; }
  logParams(params: Record<string, string>): void { this.inner.logParams(params); }
  setTags(tags: Record<string, string>): void { this.inner.setTags(tags); }
  logMetrics(points: MetricPoint[]): void { this.inner.logMetrics(points); }
  logArtifact(relPath: string, data: string | Uint8Array): void { this.inner.logArtifact(relPath, data); }
  logArtifactFile(localPath: string, relPath: string): void { this.inner.logArtifactFile(localPath, relPath); }
  logInput(input: DatasetInput): void { this.inner.logInput(input); }

  end(status: RunStatus): void {
    this.inner.end(status);
    void this.flusher.flushNow();
  }

  /** Durable locally, then one replay attempt (its failure is a warning, not an error: offline-first). */
  async flush(): Promise<void> {
    await this.inner.flush();
    await this.flusher.flushNow();
  }
}

function localRootOf(local: Tracker): string {
  if (local.uri.startsWith('file:')) return fileURLToPath(local.uri);
  if (local.uri.startsWith('/')) return local.uri;
  throw new UntangleError('TRACKING_LOCAL_ROOT', `the local tracker's URI '${local.uri}' is not a file: store`, { uri: local.uri },
    'pass opts.localRoot, the directory holding the MLflow-layout store (runs/)');
}
