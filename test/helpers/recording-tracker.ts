import type { RunTracker } from '../../framework/contracts/index.ts';

/** A RunTracker that keeps what components write, for tests that read their pictures back. */
export function recordingTracker(artifacts: Map<string, string | Uint8Array> = new Map()): RunTracker & { artifacts: Map<string, string | Uint8Array> } {
  return { runId: 'test', artifactDir: '/nonexistent', artifacts, logArtifact: (rel, data) => { artifacts.set(rel, data); } };
}
