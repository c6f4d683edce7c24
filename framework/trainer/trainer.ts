import * as tf from '@tensorflow/tfjs-core';
import type { Callback, CallbackContext, Loss, Model, Optimizer, Schedule, StepContext, StepInfo } from '../contracts/index.ts';
import type { Batch, Dataset } from '../contracts/index.ts';
import type { RunWriter } from '../tracking/types.ts';
import { BatchPlan } from './batches.ts';
import { Progress } from './progress.ts';
import { clipGradNorm } from './clip.ts';
import { saveCheckpoint, assignVariables, type LoadedCheckpoint } from './checkpoint.ts';
import { resolveGroups, optimizerCheckpointGroup, MAIN_GROUP, type OptimisedGroup } from './param-groups.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { UntangleError } from '../util/errors.ts';

/** An exponential moving average of weights, kept by the trainer when `trainer.ema.enabled`. */
export interface WeightAverager {
  /** One update from the current weights (after the optimiser step). */
  update(): unknown;
  state(): Map<string, tf.Tensor>;
  loadState(state: Map<string, tf.Tensor>): void;
  /** Run `fn` with the averaged weights in place (evaluation, pictures). */
  withAveraged<T>(fn: () => T): T;
}

export interface TrainerSettings {
  maxSteps: number;
  logEvery: number;
  ckptEvery: number;
  evalEvery: number | null;
  gradClip: number | null;
  progress: 'auto' | 'bar' | 'lines' | 'none';
}

export interface TrainerParts {
  model: Model;
  loss: Loss;
  optimizer: Optimizer;
  /** Optimisers of the parameter groups the model or loss declare (`trainer.optimizers`), by group name. */
  groupOptimizers?: Record<string, Optimizer>;
  schedule?: Schedule;
  callbacks: Callback[];
  dataset: Dataset;
  batchSize: number;
  shuffle: boolean;
  ema?: WeightAverager;
}

export interface TrainerIO {
  run: RunWriter;
  checkpointPath: string;
  configHash: string;
  /** Seed of the data order and of every step's randomness. */
  rngSeed: number;
  label: string;
  log: (line: string) => void;
  /** Runs the metric suite at eval steps. */
  evaluate?: (step: number) => Promise<void>;
}

export interface FitResult {
  steps: number;
  /** The last step's loss; null when this invocation trained no step (a resumed, finished run). */
  lastLoss: number | null;
  stopped: 'done' | 'interrupted';
}

/**
 * The one training loop every paper runs through. It knows nothing of any paper: the model maps a
 * batch to outputs, the loss maps outputs to named terms, and the loop does the rest (optimiser,
 * schedule, clipping, EMA, logging, checkpoints, interruption).
 */
export class Trainer {
  private interrupted = false;

  constructor(private readonly parts: TrainerParts, private readonly settings: TrainerSettings, private readonly io: TrainerIO) {}

  /** Ask the loop to stop after the current step and checkpoint (SIGINT/SIGTERM). */
  interrupt(): void {
    this.interrupted = true;
  }

  async fit(resume?: LoadedCheckpoint): Promise<FitResult> {
    const { model, loss, optimizer, schedule, callbacks, dataset, ema } = this.parts;
    const { maxSteps, logEvery, ckptEvery, evalEvery, gradClip } = this.settings;
    const plan = new BatchPlan(dataset.size, this.parts.batchSize, this.parts.shuffle, deriveSeed(this.io.rngSeed, 'data'));
    const lossVars = loss.namedVariables?.() ?? new Map<string, tf.Variable>();
    const trainable = [...model.trainableVariables(), ...[...lossVars.values()].filter((v) => v.trainable)];
    if (trainable.length === 0) throw new UntangleError('no-trainable', 'the model has no trainable variables', { model: model.constructor.name });
    const groups = resolveGroups(model, loss, trainable, optimizer, this.parts.groupOptimizers ?? {});

    let step = 0;
    if (resume) {
      assignVariables(model.namedVariables(), resume.groups.model, 'model', this.io.checkpointPath);
      if (lossVars.size) assignVariables(lossVars, resume.groups.loss, 'loss', this.io.checkpointPath);
      for (const g of groups) {
        const saved = resume.groups[optimizerCheckpointGroup(g.name)];
        if (saved) g.optimizer.loadState(saved);
      }
      if (ema && resume.groups.ema) ema.loadState(resume.groups.ema);
      step = resume.state.step;
      this.io.log(`resuming at step ${step} from ${this.io.checkpointPath}`);
    }

    const sampleBatch = dataset.batch(plan.indicesFor(0).subarray(0, Math.min(8, plan.batchSize)));
    const cbCtx = (s: number): CallbackContext => ({
      model, sampleBatch, step: s, rng: new Rng(deriveSeed(this.io.rngSeed, `callback/${s}`)),
    });
    for (const cb of callbacks) await cb.onTrainStart?.(cbCtx(step));

    const progress = new Progress({ total: maxSteps, label: this.io.label, mode: this.settings.progress, every: logEvery });
    const window = new Map<string, number>();
    let windowCount = 0;
    let windowStart = Date.now();
    let lastLoss: number | null = null;

    const checkpoint = async (completed: number) => {
      await saveCheckpoint(this.io.checkpointPath, {
        model: model.namedVariables(),
        loss: lossVars.size ? lossVars : undefined,
        ema: ema?.state(),
        ...Object.fromEntries(groups.map((g) => [optimizerCheckpointGroup(g.name), g.optimizer.state()])),
      }, { step: completed, configHash: this.io.configHash, rngSeed: this.io.rngSeed });
    };

    let lastYield = Date.now();
    while (step < maxSteps) {
      // The step itself is synchronous: without a turn of the event loop now and then, a SIGINT
      // handler never runs and Ctrl-C (or a sweep forwarding it) cannot stop the run.
      if (Date.now() - lastYield > 50) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = Date.now();
      }
      if (this.interrupted) {
        await checkpoint(step);
        progress.finish();
        this.io.log(`interrupted: checkpoint at step ${step} written; continue with --resume ${this.io.run.info.runId}`);
        return { steps: step, lastLoss, stopped: 'interrupted' };
      }
      const ctx: StepContext = { step, training: true, rng: new Rng(deriveSeed(this.io.rngSeed, `step/${step}`)) };
      const batch: Batch = dataset.batch(plan.indicesFor(step));
      const factor = schedule ? schedule.factor(step) : 1;
      const lr = optimizer.lr * factor;
      // One forward/backward per group (Lightning's optimizer_idx loop); the main group's loss is
      // the run's loss, another group's is logged as loss_<group> beside the terms it names.
      const { total, terms } = this.optimiseStep(batch, ctx, groups[0], lr, gradClip);
      let worst = total;
      for (const g of groups.slice(1)) {
        if (!g.activeAt(step)) continue;
        const r = this.optimiseStep(batch, { ...ctx, group: g.name, rng: new Rng(deriveSeed(this.io.rngSeed, `step/${step}/${g.name}`)) }, g, g.optimizer.lr * factor, gradClip);
        Object.assign(terms, r.terms, { [`loss_${g.name}`]: r.total });
        if (!Number.isFinite(r.total)) worst = r.total;
      }
      for (const t of Object.values(batch)) t.dispose();
      model.afterStep?.(ctx);
      if (ema) ema.update();

      if (!Number.isFinite(worst)) {
        progress.finish();
        throw new UntangleError('non-finite-loss', `loss became ${worst} at step ${step}`, {
          step, terms: Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, String(v)])), checkpoint: this.io.checkpointPath,
        }, 'the last good checkpoint is kept; lower the learning rate, set trainer.grad_clip, or check the data');
      }
      lastLoss = total;
      step += 1;
      window.set('loss', (window.get('loss') ?? 0) + total);
      for (const [k, v] of Object.entries(terms)) window.set(k, (window.get(k) ?? 0) + v);
      windowCount += 1;

      if (step % logEvery === 0 || step === maxSteps) {
        const now = Date.now();
        const points = [...window].map(([k, v]) => ({ key: `train/${k}`, value: v / windowCount, step, timestamp: now }));
        points.push({ key: 'train/lr', value: lr, step, timestamp: now });
        points.push({ key: 'train/steps_per_sec', value: (1000 * windowCount) / Math.max(1, now - windowStart), step, timestamp: now });
        points.push({ key: 'train/epoch', value: plan.epochOf(step - 1), step, timestamp: now });
        this.io.run.logMetrics(points);
        window.clear();
        windowCount = 0;
        windowStart = now;
      }
      progress.update(step, { loss: total });
      const info: StepInfo = { step, loss: total, terms, lr };
      for (const cb of callbacks) await cb.onStepEnd?.(info, cbCtx(step));
      if (step % ckptEvery === 0 || step === maxSteps) await checkpoint(step);
      if (this.io.evaluate && evalEvery && step % evalEvery === 0 && step !== maxSteps) await this.io.evaluate(step);
    }
    progress.finish();
    for (const cb of callbacks) await cb.onTrainEnd?.(cbCtx(step));
    return { steps: step, lastLoss, stopped: 'done' };
  }

  /** Forward, backward, clip, update of one group. Returns the loss and every term as numbers. */
  private optimiseStep(batch: Batch, stepCtx: StepContext, group: OptimisedGroup, lr: number, gradClip: number | null): { total: number; terms: Record<string, number> } {
    const { model, loss } = this.parts;
    const { vars, optimizer } = group;
    const ctx: StepContext = { ...stepCtx, group: stepCtx.group ?? MAIN_GROUP };
    let kept: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(batch, ctx);
      const lt = loss.compute(batch, out, ctx);
      kept = Object.fromEntries(Object.entries(lt.terms).map(([k, t]) => [k, tf.keep(t)]));
      return lt.total;
    }, vars);
    const ordered = vars.map((v) => grads[v.name]);
    const clipped = gradClip ? clipGradNorm(ordered, gradClip) : { grads: ordered, totalNorm: NaN };
    optimizer.apply(vars, clipped.grads, lr);
    const total = value.dataSync()[0];
    const terms: Record<string, number> = {};
    for (const [k, t] of Object.entries(kept)) {
      terms[k] = t.dataSync()[0];
      t.dispose();
    }
    if (gradClip) terms.grad_norm = clipped.totalNorm;
    value.dispose();
    tf.dispose(ordered);
    if (clipped.grads !== ordered) tf.dispose(clipped.grads);
    return { total, terms };
  }
}
