import type { BackendInfo, RunTracker } from '../contracts/services.ts';
import type { RunServices } from '../contracts/tokens.ts';
import type { RunWriter } from '../tracking/types.ts';
import { datasetCache } from '../io/dataset-cache.ts';

/** The tracked run as components see it: where it is and how to write into it, nothing more. */
export function runTracker(run: RunWriter): RunTracker {
  return {
    runId: run.info.runId,
    artifactDir: run.artifactDir,
    logArtifact: (rel, data) => run.logArtifact(rel, data),
  };
}

/** Everything a tracked run (`untangle run` or `untangle eval`) provides its components. */
export function trackedRunServices(run: RunWriter, backend: BackendInfo, cwd: string): RunServices {
  return { tracker: runTracker(run), backend, datasetCache: datasetCache(cwd) };
}
