import type { DependencyContainer } from 'tsyringe';
import type { ComponentRegistry } from '../registry/registry.ts';
import { Instantiator } from '../registry/instantiate.ts';
import type { ComponentNode } from '../registry/types.ts';
import type { ConfigMap } from '../config/tree.ts';
import type { RunSections } from '../config/run-schema.ts';
import type { Callback, Loss, Model, Optimizer, Schedule } from '../contracts/index.ts';
import type { Dataset } from '../contracts/index.ts';
import type { Metric, ModelMetric } from '../contracts/index.ts';

/** Everything a run config names, built. */
export interface RunParts {
  model: Model;
  loss: Loss;
  dataset: Dataset;
  optimizer: Optimizer;
  /** Optimisers of declared parameter groups, by group name (`trainer.optimizers`). */
  groupOptimizers: Record<string, Optimizer>;
  schedule?: Schedule;
  callbacks: Callback[];
  evalDataset: Dataset | null;
  metrics: Record<string, Metric | ModelMetric>;
  /** Every component's seed by config path. */
  seeds: Map<string, number>;
}

/**
 * The typed view of a config that passed RUN_SCHEMA (compose validates before anything is built):
 * the type is derived from the schema, so this one cast is checked by ajv at run time.
 */
export function sections(config: ConfigMap): RunSections {
  return config as unknown as RunSections;
}

/** Builds every component of a validated config, in a run's own child container. */
export function buildParts(config: ConfigMap, registry: ComponentRegistry, container: DependencyContainer, opts: { withEval: boolean; withTraining: boolean }): RunParts {
  const s = sections(config);
  const inst = new Instantiator(registry, container, s.seed);
  const dataset = inst.instantiate<Dataset>(s.data.train, 'data.train');
  const model = inst.instantiate<Model>(s.model, 'model');
  const loss = inst.instantiate<Loss>(s.loss, 'loss');
  const optimizer = opts.withTraining ? inst.instantiate<Optimizer>(s.trainer.optimizer, 'trainer.optimizer') : (null as unknown as Optimizer);
  const groupOptimizers: Record<string, Optimizer> = {};
  if (opts.withTraining) {
    for (const [k, n] of Object.entries(s.trainer.optimizers ?? {})) if (n) groupOptimizers[k] = inst.instantiate<Optimizer>(n, `trainer.optimizers.${k}`);
  }
  const schedule = opts.withTraining && s.trainer.schedule ? inst.instantiate<Schedule>(s.trainer.schedule, 'trainer.schedule') : undefined;
  const callbacks = opts.withTraining
    ? Object.entries(s.trainer.callbacks).filter(([, n]) => n).map(([k, n]) => inst.instantiate<Callback>(n as ComponentNode, `trainer.callbacks.${k}`))
    : [];
  const metrics: Record<string, Metric | ModelMetric> = {};
  let evalDataset: Dataset | null = null;
  if (opts.withEval) {
    for (const [k, n] of Object.entries(s.eval.metrics)) if (n) metrics[k] = inst.instantiate<Metric | ModelMetric>(n, `eval.metrics.${k}`);
    evalDataset = s.eval.dataset ? inst.instantiate<Dataset>(s.eval.dataset, 'eval.dataset') : dataset;
  }
  return { model, loss, dataset, optimizer, groupOptimizers, schedule, callbacks, evalDataset, metrics, seeds: inst.seeds };
}
