import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigValue } from '../config/tree.ts';
import type { FileStore } from '../tracking/filestore.ts';
import type { RunRecord } from '../tracking/types.ts';
import { UntangleError } from '../util/errors.ts';
import type { TrialState } from './launcher.ts';

export const MANIFEST_REL = 'sweep.json';
export const SWEEP_ID_TAG = 'untangle.sweep_id';
export const SWEEP_ROLE_TAG = 'untangle.sweep_role';
export const TRIAL_ID_TAG = 'untangle.trial_id';
export const ATTEMPT_TAG = 'untangle.trial_attempt';
export const OVERRIDE_TAG_PREFIX = 'untangle.override.';

export interface ManifestTrial {
  id: string;
  /** Position in the sweep (Slurm array index). */
  index: number;
  overrides: Record<string, ConfigValue>;
  /** The exact `key=value` arguments the trial ran with. */
  args: string[];
  state: TrialState;
  runId: string | null;
  configSha256: string;
  attempts: number;
  exitCode?: number | null;
  /** Last lines of stderr of a FAILED trial. */
  error?: string;
}

export interface Manifest {
  sweepId: string;
  parentRunId: string;
  baseFiles: string[];
  overrides: string[];
  axes: string[];
  launcher: string;
  trials: ManifestTrial[];
}

/** The sweep's parent run, found by its sweep id. */
export function findSweepRun(store: FileStore, sweepId: string): RunRecord | null {
  const found = store.searchRuns({ tags: { [SWEEP_ID_TAG]: sweepId, [SWEEP_ROLE_TAG]: 'parent' } });
  if (found.length) return found[0];
  // A unique prefix of the id is enough on the command line.
  const all = store.searchRuns({ tags: { [SWEEP_ROLE_TAG]: 'parent' } }).filter((r) => r.tags[SWEEP_ID_TAG]?.startsWith(sweepId) || r.info.runId === sweepId);
  return all.length === 1 ? all[0] : null;
}

export function readManifest(store: FileStore, parentRunId: string): Manifest | null {
  const dir = store.artifactDir(parentRunId);
  const p = dir ? join(dir, MANIFEST_REL) : '';
  return p && existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Manifest) : null;
}

export function loadSweep(store: FileStore, sweepId: string): { run: RunRecord; manifest: Manifest } {
  const run = findSweepRun(store, sweepId);
  const manifest = run ? readManifest(store, run.info.runId) : null;
  if (!run || !manifest) throw new UntangleError('sweep-not-found', `no sweep '${sweepId}' in ${store.root}`, {}, 'sweep ids are printed by `untangle sweep` and stored as the tag untangle.sweep_id');
  return { run, manifest };
}

/**
 * What the store says about a trial now: the status of the run of its last attempt, or, when
 * the manifest lost track (the sweep process died), any finished run tagged with the trial id.
 */
export function reconcileTrial(store: FileStore, sweepId: string, t: ManifestTrial): ManifestTrial {
  if (t.runId) {
    const rec = store.getRun(t.runId);
    if (rec) return { ...t, state: rec.info.status === 'SCHEDULED' ? 'PENDING' : rec.info.status };
  }
  const runs = store.searchRuns({ tags: { [SWEEP_ID_TAG]: sweepId, [TRIAL_ID_TAG]: t.id } });
  const finished = runs.find((r) => r.info.status === 'FINISHED');
  if (finished) return { ...t, state: 'FINISHED', runId: finished.info.runId };
  if (t.state === 'RUNNING') return { ...t, state: 'KILLED' };
  return t;
}

/** MLflow tag keys allow letters, digits, `_ - . / space`: a list index `a[0]` becomes `a_0_`. */
export function overrideTagKey(key: string): string {
  return `${OVERRIDE_TAG_PREFIX}${key.replace(/^\++/, '').replace(/[^\w.\- /]/g, '_')}`;
}
