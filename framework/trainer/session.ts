import { existsSync } from 'node:fs';
import { join, basename, extname } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { ComponentRegistry } from '../registry/registry.ts';
import { composeConfig, type ComposedConfig } from '../config/compose.ts';
import { diffConfigs, formatChanges } from '../config/diff.ts';
import { selectBackend, type BackendChoice } from '../backends/select.ts';
import { fingerprint, fingerprintTags } from '../audit/fingerprint.ts';
import { flattenParams } from '../tracking/params.ts';
import { PARAM_ARTIFACT_TAG_PREFIX } from '../tracking/rest/oversized.ts';
import { openTracker, localStoreDir } from '../tracking/open.ts';
import type { RunWriter, Tracker } from '../tracking/types.ts';
import { skipRecordedMetrics } from '../tracking/resumed-run.ts';
import { logCurvePictures } from '../tracking/curve-pictures.ts';
import { buildParts, sections, type RunParts } from './parts.ts';
import { Trainer, type FitResult } from './trainer.ts';
import { loadCheckpoint, assignVariables, type LoadedCheckpoint } from './checkpoint.ts';
import { evaluateMetrics, logScores } from '../evaluator/evaluate.ts';
import { UntangleError } from '../util/errors.ts';
import { Ema } from './ema.ts';
import { deriveSeed } from '../util/rng.ts';
import { defaultResolvers, LAST_CHECKPOINT, RESOLVED_CONFIG_REL } from './resolvers.ts';

export interface RunRequest {
  registry: ComponentRegistry;
  baseFiles: string[];
  overrides: string[];
  /** Continue this run from its last checkpoint. */
  resume?: string;
  /** With resume and a changed config: start a new run from the checkpoint instead of refusing. */
  fork?: boolean;
  /**
   * The tracking store that holds the run to resume, when no --base names one through
   * `tracking.uri` (default: MLFLOW_TRACKING_URI, else `runs`).
   */
  store?: string;
  cwd?: string;
  log?: (line: string) => void;
  /** Extra tags for the run (e.g. sweep parent and trial overrides). */
  tags?: Record<string, string>;
}

export interface RunOutcome {
  runId: string;
  experimentId: string;
  status: 'FINISHED' | 'KILLED' | 'FAILED';
  fit: FitResult;
  scores: Record<string, Record<string, number>>;
  configHash: string;
}

export const CHECKPOINT_REL = LAST_CHECKPOINT;
export { RESOLVED_CONFIG_REL } from './resolvers.ts';

/** `untangle run`: compose, validate, build, train, evaluate, all recorded in the tracking store. */
export async function runExperiment(req: RunRequest): Promise<RunOutcome> {
  const log = req.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const cwd = req.cwd ?? process.cwd();
  const plan = planRun(req, cwd, log);
  const { composed } = plan;
  const s = sections(composed.config);

  const backend = await selectBackend(s.runtime.backend, { threads: s.runtime.threads, device: s.runtime.device, deterministic: s.runtime.deterministic, log });
  const tracker = plan.tracker;
  const runName = s.name ?? stem(req.baseFiles[0] ?? 'run');
  let run: RunWriter;
  let resumeFrom: LoadedCheckpoint | undefined;
  if (plan.resumeRun && !plan.fork) {
    run = skipRecordedMetrics(tracker, tracker.openRun(plan.resumeRun));
    run.setTags({ 'untangle.resumed': String(Date.now()) });
    const ckpt = join(run.artifactDir, CHECKPOINT_REL);
    if (existsSync(ckpt)) resumeFrom = loadCheckpoint(ckpt);
    else log(`run ${plan.resumeRun} has no checkpoint yet: starting it from step 0`);
  } else {
    run = tracker.createRun({ experimentName: s.tracking.experiment ?? runName, runName, tags: req.tags });
    if (plan.resumeRun && plan.fork) {
      const src = tracker.artifactDir(plan.resumeRun);
      const ckpt = src ? join(src, CHECKPOINT_REL) : '';
      if (!ckpt || !existsSync(ckpt)) throw new UntangleError('fork-no-checkpoint', `run ${plan.resumeRun} has no checkpoint to fork from`, { run: plan.resumeRun });
      resumeFrom = loadCheckpoint(ckpt);
      run.setTags({ 'untangle.forked_from': plan.resumeRun, 'untangle.forked_at_step': String(resumeFrom.state.step) });
    }
  }
  log(`run ${run.info.runId} (${runName}) → ${join(tracker.uri, run.info.experimentId, run.info.runId)}`);

  const scope = req.registry.runScope();
  let parts: RunParts;
  try {
    parts = buildParts(composed.config, req.registry, scope, { withEval: true, withTraining: true });
  } catch (e) {
    run.end('FAILED');
    throw e;
  }
  recordRun(run, composed, backend, parts, req.overrides, resumeFrom !== undefined && !plan.fork);

  const checkpointPath = join(run.artifactDir, CHECKPOINT_REL);
  const maxSteps = s.trainer.max_steps ?? (s.trainer.max_epochs !== null ? s.trainer.max_epochs * Math.max(1, Math.floor(parts.dataset.size / s.data.batch_size)) : null);
  if (maxSteps === null) throw new UntangleError('no-length', 'the run has no length', {}, 'set trainer.max_steps or trainer.max_epochs');
  const evaluate = async (step: number) => {
    const evalData = parts.evalDataset;
    if (!Object.keys(parts.metrics).length || !evalData) return {};
    const run_ = () => evaluateMetrics({
      metrics: parts.metrics, model: parts.model, dataset: evalData, batchSize: s.eval.batch_size,
      rootSeed: deriveSeed(s.seed, 'eval'), storeDir: localStoreDir(s.tracking.uri, cwd), logArtifact: (rel, d) => run.logArtifact(rel, d), log,
    });
    const scores = ema ? await withAveragedAsync(ema, run_) : await run_();
    logScores(run, scores, step);
    return scores;
  };
  // LDM keeps an EMA of the weights and evaluates with it; the metrics then see the averaged model.
  const ema = s.trainer.ema.enabled ? new Ema(parts.model.namedVariables(), { decay: s.trainer.ema.decay, useNumUpdates: true }) : undefined;
  const trainer = new Trainer(
    { model: parts.model, loss: parts.loss, optimizer: parts.optimizer, groupOptimizers: parts.groupOptimizers, schedule: parts.schedule, callbacks: parts.callbacks, dataset: parts.dataset, batchSize: s.data.batch_size, shuffle: s.data.shuffle, ema },
    { maxSteps, logEvery: s.trainer.log_every, ckptEvery: s.trainer.ckpt_every, evalEvery: s.trainer.eval_every, gradClip: s.trainer.grad_clip, progress: s.trainer.progress },
    { run, checkpointPath, configHash: composed.hash, rngSeed: deriveSeed(s.seed, 'trainer'), label: runName, log, evaluate: async (st) => { await evaluate(st); } },
  );
  // In the training loop a signal stops after the current step with a checkpoint; anywhere else
  // (evaluation, pictures), or on a second signal, the run is marked KILLED and the process exits.
  let phase: 'train' | 'other' = 'train';
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (phase === 'train' && signals === 1) {
      log(`${sig}: stopping after this step (again to stop now)`);
      trainer.interrupt();
      return;
    }
    run.end('KILLED');
    log(`${sig}: run ${run.info.runId} marked KILLED`);
    void Promise.resolve(tracker.close?.()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Pictures of the curves are a convenience: a failure to draw them never fails the run.
  const curvePictures = () => {
    try { logCurvePictures(tracker, run); } catch (e) { log(`curve pictures not written: ${(e as Error).message}`); }
  };
  try {
    const fit = await trainer.fit(resumeFrom);
    phase = 'other';
    run.logArtifact('checkpoints/paths.txt', `${checkpointPath}\n`);
    if (fit.stopped === 'interrupted') {
      curvePictures();
      run.end('KILLED');
      return { runId: run.info.runId, experimentId: run.info.experimentId, status: 'KILLED', fit, scores: {}, configHash: composed.hash };
    }
    const scores = s.eval.at_end ? await evaluate(fit.steps) : {};
    curvePictures();
    run.end('FINISHED');
    await run.flush();
    return { runId: run.info.runId, experimentId: run.info.experimentId, status: 'FINISHED', fit, scores, configHash: composed.hash };
  } catch (e) {
    run.logArtifact('error.txt', `${e instanceof UntangleError ? e.format() : (e as Error).stack ?? String(e)}\n`);
    curvePictures();
    run.end('FAILED');
    await run.flush();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await tracker.close?.();
  }
}

interface RunPlan {
  composed: ComposedConfig;
  tracker: Tracker;
  resumeRun?: string;
  fork: boolean;
}

/**
 * Decides what config a run uses. A resume with no --base reuses the run's recorded resolved
 * config; a resume with a config must match the recorded hash, unless --fork.
 */
function planRun(req: RunRequest, cwd: string, log: (l: string) => void): RunPlan {
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

function recordRun(run: RunWriter, composed: ComposedConfig, backend: BackendChoice, parts: RunParts, overrides: string[], resumed: boolean): void {
  const fp = fingerprint({ name: backend.name, versions: backend.versions });
  const data = parts.dataset.fingerprint();
  const seeds = Object.fromEntries(parts.seeds);
  const s = sections(composed.config);
  const { params, tooLong } = flattenParams(composed.config);
  const tags: Record<string, string> = {
    ...fingerprintTags(fp),
    'untangle.config_sha256': composed.hash,
    'untangle.seed': String(s.seed),
    'untangle.dataset.name': data.name,
    'untangle.dataset.digest': data.digest,
    'untangle.dataset.source': data.source,
    'untangle.backend.reason': backend.reason.slice(0, 4000),
  };
  for (const [path, seed] of parts.seeds) tags[`untangle.seed.${path}`] = String(seed);
  for (const key of Object.keys(tooLong)) tags[`${PARAM_ARTIFACT_TAG_PREFIX}${key}`] = `params/${key}.txt`;
  run.setTags(tags);
  if (!resumed) {
    run.logParams(params);
    for (const [key, value] of Object.entries(tooLong)) run.logArtifact(`params/${key}.txt`, value);
  }
  run.logInput({ name: data.name, digest: data.digest, source: data.source, sourceType: data.source.startsWith('procedural') ? 'code' : 'local' });
  composed.raw.forEach((layer, i) => run.logArtifact(`config/layers/${String(i).padStart(2, '0')}-${basename(layer.file)}`, layer.text));
  run.logArtifact('config/merged.yaml', stringifyYaml(composed.merged));
  run.logArtifact('config/overrides.txt', overrides.length ? `${overrides.join('\n')}\n` : '');
  run.logArtifact(RESOLVED_CONFIG_REL, stringifyYaml(composed.config));
  run.logArtifact('config/sha256', `${composed.hash}\n`);
  run.logArtifact('seeds.json', `${JSON.stringify({ root: s.seed, components: seeds, trainer: deriveSeed(s.seed, 'trainer'), eval: deriveSeed(s.seed, 'eval') }, null, 2)}\n`);
  run.logArtifact('fingerprint.json', `${JSON.stringify({ ...fp, code: { ...fp.code, diff: undefined }, dataset: data, configSha256: composed.hash }, null, 2)}\n`);
  if (fp.code.dirty) run.logArtifact('git.diff', fp.code.diff);
}

/** Ema.withAveraged for async work: swap the averaged weights in, always swap them back. */
async function withAveragedAsync<T>(ema: Ema, fn: () => Promise<T>): Promise<T> {
  ema.swapIn();
  try {
    return await fn();
  } finally {
    ema.swapOut();
  }
}

function stem(file: string): string {
  return basename(file, extname(file));
}

/** Weights of a finished run, loaded into a freshly built model (for `untangle eval`). */
export function loadRunWeights(parts: RunParts, artifactDir: string): LoadedCheckpoint {
  const ckpt = loadCheckpoint(join(artifactDir, CHECKPOINT_REL));
  assignVariables(parts.model.namedVariables(), ckpt.groups.model, 'model', join(artifactDir, CHECKPOINT_REL));
  return ckpt;
}
