import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Resolver } from '../config/interpolate.ts';
import { type ConfigValue, getAt, parsePath } from '../config/tree.ts';
import { FileStore } from '../tracking/filestore.ts';

/** Where a run keeps its last checkpoint, relative to its artifacts. */
export const LAST_CHECKPOINT = 'checkpoints/last.safetensors';
/** Where a run records its resolved config, relative to its artifacts. */
export const RESOLVED_CONFIG_REL = 'config/resolved.yaml';

type Found = { ok: true; runId: string; artifacts: string } | { ok: false; error: string };

/** The newest FINISHED run named NAME (or with that run id) in a local store. */
function finishedRun(cwd: string, name: string | undefined, store: string): Found {
  if (!name) return { ok: false, error: 'needs a run name or id' };
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
  return { ok: true, runId: latest.info.runId, artifacts: fs.artifactDir(latest.info.runId)! };
}

/**
 * Resolvers every run config may use besides `env`:
 *   ${run:NAME}                    the last checkpoint of the newest FINISHED run named NAME (or with that run id)
 *   ${run:NAME,STORE}              the same, in another local store directory (default `runs`)
 *   ${run_config:NAME,KEY}         the subtree KEY of that run's recorded resolved config
 *   ${run_config:NAME,KEY,STORE}   the same, in another store
 * This is how a stage names its inputs by the run that produced them (stage chaining), and takes
 * the shape of a frozen part from the run that trained it instead of restating it. A missing or
 * unfinished run, or a missing key, is a config error, reported with the others before anything
 * is built.
 */
export function defaultResolvers(cwd: string): Record<string, Resolver> {
  return {
    run: (args) => {
      const [name, store = 'runs'] = args;
      const found = finishedRun(cwd, name, store);
      if (!found.ok) return { ok: false, error: found.error };
      const ckpt = join(found.artifacts, LAST_CHECKPOINT);
      if (!existsSync(ckpt)) return { ok: false, error: `run '${name}' (${found.runId}) finished without a checkpoint` };
      return { ok: true, value: ckpt };
    },
    run_config: (args) => {
      const [name, key, store = 'runs'] = args;
      if (!key) return { ok: false, error: 'run_config: needs a run name and a key path (${run_config:NAME,key.path})' };
      const found = finishedRun(cwd, name, store);
      if (!found.ok) return { ok: false, error: found.error };
      const file = join(found.artifacts, RESOLVED_CONFIG_REL);
      if (!existsSync(file)) return { ok: false, error: `run '${name}' (${found.runId}) recorded no resolved config (${file})` };
      const recorded = parseYaml(readFileSync(file, 'utf8')) as ConfigValue;
      const got = getAt(recorded, parsePath(key));
      if (!got.found || got.value === undefined) return { ok: false, error: `run '${name}' (${found.runId}): its resolved config has no key '${key}'` };
      return { ok: true, value: got.value };
    },
  };
}
