import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Resolver } from '../config/interpolate.ts';
import { FileStore } from '../tracking/filestore.ts';

/** Where a run keeps its last checkpoint, relative to its artifacts. */
export const LAST_CHECKPOINT = 'checkpoints/last.safetensors';

/**
 * Resolvers every run config may use besides `env`:
 *   ${run:NAME}        the last checkpoint of the newest FINISHED run named NAME (or with that run id)
 *   ${run:NAME,STORE}  the same, in another local store directory (default `runs`)
 * This is how a stage names its inputs by the run that produced them (stage chaining). A missing
 * or unfinished run is a config error, reported with the others before anything is built.
 */
export function defaultResolvers(cwd: string): Record<string, Resolver> {
  return {
    run: (args) => {
      const [name, store = 'runs'] = args;
      if (!name) return { ok: false, error: 'run: needs a run name or id' };
      const fs = new FileStore(resolve(cwd, store));
      const byId = fs.getRun(name);
      const candidates = byId ? [byId] : fs.searchRuns().filter((r) => r.info.runName === name);
      if (!candidates.length) return { ok: false, error: `no run named '${name}' in ${fs.root} (train it first: untangle run --base configs/${name}.yaml)` };
      const finished = candidates.filter((r) => r.info.status === 'FINISHED');
      if (!finished.length) {
        const states = candidates.map((r) => `${r.info.runId.slice(0, 8)}:${r.info.status}`).join(', ');
        return { ok: false, error: `run '${name}' has not finished (${states}); resume it with untangle run --resume <id>` };
      }
      const latest = finished[0];
      const ckpt = join(fs.artifactDir(latest.info.runId)!, LAST_CHECKPOINT);
      if (!existsSync(ckpt)) return { ok: false, error: `run '${name}' (${latest.info.runId}) finished without a checkpoint` };
      return { ok: true, value: ckpt };
    },
  };
}
