import { plotPng } from '../util/plot.ts';
import type { RunWriter, Tracker } from './types.ts';

/** Bookkeeping series that say nothing about learning. */
const SKIPPED = new Set(['train/steps_per_sec', 'train/epoch']);

/**
 * Writes one line plot per logged metric (`curves/<key>.png`, `/` → `__`) from the run's whole
 * history, so a run's curves can be looked at where MLflow's UI is not at hand (a cluster node,
 * an artifact copied off a store). Losses spanning two or more decades get a log y axis.
 * Returns the artifact paths written.
 */
export function logCurvePictures(tracker: Tracker, run: RunWriter): string[] {
  const keys = Object.keys(tracker.getRun(run.info.runId)?.metrics ?? {}).filter((k) => !SKIPPED.has(k)).sort();
  const written: string[] = [];
  for (const key of keys) {
    // A resumed run's history can hold a step twice (points logged by an older version): keep the last.
    const byStep = new Map<number, number>();
    for (const p of tracker.metricHistory(run.info.runId, key)) if (Number.isFinite(p.value)) byStep.set(p.step, p.value);
    if (byStep.size < 2) continue;
    const points = [...byStep].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x, y }));
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of points) { lo = Math.min(lo, p.y); hi = Math.max(hi, p.y); }
    const rel = `curves/${key.replaceAll('/', '__')}.png`;
    run.logArtifact(rel, plotPng([{ label: key, points }], { logX: false, logY: lo > 0 && hi / lo >= 100 }));
    written.push(rel);
  }
  return written;
}
