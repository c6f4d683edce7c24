import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composeConfig, type ComposedConfig } from '../config/compose.ts';
import { diffConfigs, formatChanges } from '../config/diff.ts';
import { openTracker } from '../tracking/open.ts';
import type { Tracker } from '../tracking/types.ts';
import { sections } from '../trainer/parts.ts';
import { defaultResolvers, RESOLVED_CONFIG_REL } from '../trainer/resolvers.ts';
import { UntangleError } from '../util/errors.ts';
import type { RunRequest } from './execute.ts';

export interface RunPlan {
  composed: ComposedConfig;
  tracker: Tracker;
  resumeRun?: string;
  fork: boolean;
}

/**
 * Decides what config a run uses. A resume with no --base reuses the run's recorded resolved
 * config; a resume with a config must match the recorded hash, unless --fork.
 */
export function planRun(req: RunRequest, cwd: string, log: (l: string) => void): RunPlan {
  const resolvers = defaultResolvers(cwd);
  const compose = (baseFiles: string[], overrides: string[]) => composeConfig({ baseFiles, overrides, registry: req.registry, cwd, resolvers });
  const fresh = req.baseFiles.length ? compose(req.baseFiles, req.overrides) : null;
  const tracker = openTracker(fresh ? sections(fresh.config).tracking.uri : req.store ?? null, cwd);
  if (!req.resume) {
    if (!fresh) throw new UntangleError('no-config', 'nothing to run', {}, 'give --base FILE [FILE ...], or --resume RUN_ID');
    return { composed: fresh, tracker, fork: false };
  }
  const dir = tracker.artifactDir(req.resume);
  const recordedPath = dir ? join(dir, RESOLVED_CONFIG_REL) : '';
  if (!dir || !existsSync(recordedPath)) throw new UntangleError('run-not-found', `run '${req.resume}' has no recorded config in ${tracker.uri}`, { run: req.resume }, 'list runs with `untangle runs [--store URI]`; a run in another store: `--resume RUN_ID --store URI`');
  const recorded = compose([recordedPath], []);
  const wanted = fresh ?? (req.overrides.length ? compose([recordedPath], req.overrides) : recorded);
  if (wanted.hash === recorded.hash) return { composed: recorded, tracker, resumeRun: req.resume, fork: false };
  const changes = diffConfigs(recorded.config, wanted.config);
  if (!req.fork) {
    throw new UntangleError('config-changed', `the resolved config differs from run ${req.resume}'s; refusing to continue it`, { changes: `\n${formatChanges(changes)}` }, 'add --fork to start a new run from its checkpoint with the new config');
  }
  log(`forking run ${req.resume} with ${changes.length} config change(s):\n${formatChanges(changes)}`);
  return { composed: wanted, tracker, resumeRun: req.resume, fork: true };
}

