import { join } from 'node:path';
import type { RunParts } from '../trainer/parts.ts';
import { loadCheckpoint, assignVariables, type LoadedCheckpoint } from '../trainer/checkpoint.ts';
import { LAST_CHECKPOINT } from '../trainer/resolvers.ts';

/** Where a run's last checkpoint lies, relative to its artifact directory. */
export const CHECKPOINT_REL = LAST_CHECKPOINT;

/** Weights of a finished run, loaded into a freshly built model (for `untangle eval`). */
export function loadRunWeights(parts: RunParts, artifactDir: string): LoadedCheckpoint {
  const ckpt = loadCheckpoint(join(artifactDir, CHECKPOINT_REL));
  assignVariables(parts.model.namedVariables(), ckpt.groups.model, 'model', join(artifactDir, CHECKPOINT_REL));
  return ckpt;
}
