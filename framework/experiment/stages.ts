import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ComponentRegistry } from '../registry/registry.ts';
import { composeConfig } from '../config/compose.ts';
import { sections } from '../trainer/parts.ts';
import { defaultResolvers, LAST_CHECKPOINT } from '../trainer/resolvers.ts';
import { executeRun } from '../run/execute.ts';
import { FileStore } from '../tracking/filestore.ts';
import { localStoreDir } from '../tracking/open.ts';
import { UntangleError } from '../util/errors.ts';

/** One stage of a multi-stage experiment: an ordinary run config (base files + overrides). */
export interface StageSpec {
  name: string;
  base: string[];
  overrides: string[];
}

export interface ExperimentSpec {
  name: string;
  stages: StageSpec[];
}

export interface StageOutcome {
  stage: string;
  runName: string;
  runId: string;
  configHash: string;
  action: 'reused' | 'trained';
  scores: Record<string, Record<string, number>>;
}

function fail(file: string, message: string, context: Record<string, unknown> = {}): never {
  throw new UntangleError('experiment-file', `${file}: ${message}`, context,
    'an experiment file is {name, stages: [{name, base: [files...], overrides: [key=value...]}]}');
}

function stringList(v: unknown, file: string, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(file, `${where} must be a list of strings`, { got: v });
  return v as string[];
}

/**
 * Reads an experiment file. Stage base paths are relative to the experiment file's directory's
 * parent when they do not exist relative to the file itself (so `configs/x.yaml` works from
 * `experiments/`), and are returned relative to nothing (absolute).
 */
export function loadExperiment(file: string, cwd: string): ExperimentSpec {
  const abs = resolve(cwd, file);
  if (!existsSync(abs)) throw new UntangleError('experiment-not-found', `experiment file not found: ${file}`, { file: abs });
  const doc: unknown = parseYaml(readFileSync(abs, 'utf8'));
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail(file, 'must be a mapping');
  const d = doc as Record<string, unknown>;
  const unknownKeys = Object.keys(d).filter((k) => k !== 'name' && k !== 'stages');
  if (unknownKeys.length) fail(file, `unknown key(s) ${unknownKeys.join(', ')}`);
  if (!Array.isArray(d.stages) || d.stages.length === 0) fail(file, 'needs a non-empty `stages` list');
  const seen = new Set<string>();
  const stages = (d.stages as unknown[]).map((s, i) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(file, `stage ${i} must be a mapping`);
    const st = s as Record<string, unknown>;
    const extra = Object.keys(st).filter((k) => !['name', 'base', 'overrides'].includes(k));
    if (extra.length) fail(file, `stage ${i} has unknown key(s) ${extra.join(', ')}`);
    if (typeof st.name !== 'string' || !st.name) fail(file, `stage ${i} needs a name`);
    if (seen.has(st.name)) fail(file, `stage name '${st.name}' is used twice`);
    seen.add(st.name);
    const base = stringList(st.base, file, `stages[${i}].base`);
    if (!base.length) fail(file, `stage '${st.name}' needs at least one base file`);
    return { name: st.name, base: base.map((b) => locate(b, abs, cwd)), overrides: stringList(st.overrides, file, `stages[${i}].overrides`) };
  });
  return { name: typeof d.name === 'string' ? d.name : basename(abs, extname(abs)), stages };
}

function locate(path: string, experimentFile: string, cwd: string): string {
  const candidates = [resolve(dirname(experimentFile), path), resolve(cwd, path)];
  return candidates.find((c) => existsSync(c)) ?? candidates[1];
}

export interface RunStagesRequest {
  registry: ComponentRegistry;
  file: string;
  /** Retrain every stage even when a finished run with the same config exists. */
  force?: boolean;
  /** Overrides appended to every stage's own (e.g. `tracking.uri=...`). */
  overrides?: string[];
  cwd?: string;
  log?: (line: string) => void;
}

/**
 * Runs the stages in order. A stage is reused, not retrained, when the store holds a FINISHED run
 * of the same run name whose recorded config hash equals this stage's resolved config hash and
 * whose checkpoint exists; `force` retrains. Each stage's config is composed only when its turn
 * comes, so `${run:UPSTREAM}` resolves to the run the previous stage just produced or reused; a
 * missing or unfinished upstream run is the resolver's config error.
 */
export async function runStages(req: RunStagesRequest): Promise<StageOutcome[]> {
  const cwd = req.cwd ?? process.cwd();
  const log = req.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const exp = loadExperiment(req.file, cwd);
  const out: StageOutcome[] = [];
  for (const stage of exp.stages) {
    const overrides = [...stage.overrides, ...(req.overrides ?? [])];
    const composed = composeConfig({ baseFiles: stage.base, overrides, registry: req.registry, cwd, resolvers: defaultResolvers(cwd) });
    const s = sections(composed.config);
    const runName = s.name ?? basename(stage.base[0], extname(stage.base[0]));
    const store = new FileStore(localStoreDir(s.tracking.uri, cwd));
    const previous = req.force ? undefined : findReusable(store, runName, composed.hash);
    if (previous) {
      log(`stage ${stage.name}: reusing run ${previous} (${runName}, config ${composed.hash.slice(0, 12)}); --force retrains`);
      out.push({ stage: stage.name, runName, runId: previous, configHash: composed.hash, action: 'reused', scores: {} });
      continue;
    }
    log(`stage ${stage.name}: training ${runName}`);
    const r = await executeRun({ registry: req.registry, baseFiles: stage.base, overrides, cwd, log, tags: { 'untangle.experiment': exp.name, 'untangle.stage': stage.name } });
    if (r.status !== 'FINISHED') {
      throw new UntangleError('stage-not-finished', `stage ${stage.name} ended ${r.status}; later stages need it`, { run: r.runId }, `continue it with untangle run --resume ${r.runId}, then rerun the experiment`);
    }
    out.push({ stage: stage.name, runName, runId: r.runId, configHash: r.configHash, action: 'trained', scores: r.scores });
  }
  return out;
}

function findReusable(store: FileStore, runName: string, hash: string): string | undefined {
  for (const r of store.searchRuns()) {
    if (r.info.runName !== runName || r.info.status !== 'FINISHED' || r.tags['untangle.config_sha256'] !== hash) continue;
    const dir = store.artifactDir(r.info.runId);
    if (dir && existsSync(join(dir, LAST_CHECKPOINT))) return r.info.runId;
  }
  return undefined;
}
