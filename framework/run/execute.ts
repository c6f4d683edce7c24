import { existsSync } from 'node:fs';
import { join, basename, extname } from 'node:path';
import type { ComponentRegistry } from '../registry/registry.ts';
import { selectBackend } from '../backends/select.ts';
import { localStoreDir } from '../tracking/open.ts';
import type { RunWriter } from '../tracking/types.ts';
import { skipRecordedMetrics } from '../tracking/resumed-run.ts';
import { logCurvePictures } from '../tracking/curve-pictures.ts';
import { buildParts, sections, type RunParts } from '../trainer/parts.ts';
import { Trainer, type FitResult } from '../trainer/trainer.ts';
import { loadCheckpoint, type LoadedCheckpoint } from '../trainer/checkpoint.ts';
import { Ema } from '../trainer/ema.ts';
import { evaluateMetrics, logScores } from '../evaluator/evaluate.ts';
import { UntangleError } from '../util/errors.ts';
import { deriveSeed } from '../util/rng.ts';
import { planRun } from './plan.ts';
import { recordRun } from './record.ts';
import { CHECKPOINT_REL } from './weights.ts';

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

/**
 * `untangle run`: plan (compose, validate, resume or fork), open the tracked run, build its parts,
 * record them, train, evaluate; all recorded in the tracking store. One run; a multi-stage
 * experiment (framework/experiment/) calls this once per stage.
 */
export async function executeRun(req: RunRequest): Promise<RunOutcome> {
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

