import type { DatasetInput, MetricPoint, RunInfo, RunStatus, RunWriter, Tracker } from './types.ts';

/**
 * A run re-opened to continue from its last checkpoint replays the steps between that checkpoint
 * and the moment it died. Those steps are deterministic, so the points they log were logged
 * before: this writer drops any point at or before the last step already recorded for its key,
 * so a resumed run's curves keep one point per step (MLflow would otherwise draw each twice).
 */
export function skipRecordedMetrics(tracker: Tracker, run: RunWriter): RunWriter {
  const recorded = tracker.getRun(run.info.runId)?.metrics ?? {};
  const lastStep = new Map<string, number>(Object.entries(recorded).map(([key, p]) => [key, p.step]));
  return lastStep.size === 0 ? run : new ResumedRunWriter(run, lastStep);
}

class ResumedRunWriter implements RunWriter {
  constructor(private readonly inner: RunWriter, private readonly lastStep: Map<string, number>) {}

  get info(): RunInfo { return this.inner.info; }
  get artifactDir(): string { return this.inner.artifactDir; }

  logMetrics(points: MetricPoint[]): void {
    const fresh = points.filter((p) => {
      const last = this.lastStep.get(p.key);
      return last === undefined || p.step > last;
    });
    if (fresh.length) this.inner.logMetrics(fresh);
  }

  logParams(params: Record<string, string>): void { this.inner.logParams(params); }
  setTags(tags: Record<string, string>): void { this.inner.setTags(tags); }
  logArtifact(relPath: string, data: string | Uint8Array): void { this.inner.logArtifact(relPath, data); }
  logArtifactFile(localPath: string, relPath: string): void { this.inner.logArtifactFile(localPath, relPath); }
  logInput(input: DatasetInput): void { this.inner.logInput(input); }
  end(status: RunStatus): void { this.inner.end(status); }
  flush(): Promise<void> { return this.inner.flush(); }
}
