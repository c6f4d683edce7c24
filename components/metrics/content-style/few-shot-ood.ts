import * as tf from '@tensorflow/tfjs-core';
import { defineComponent, type ComponentNode } from '../../../framework/registry/types.ts';
import type { Dataset, Loss, MetricScores, ModelMetric, ModelMetricContext, Optimizer } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { atomClassAccuracy } from './codebook.ts';
import { collectFragmentCodes, requireContentStyleModel, type ContentStyleModel } from './model.ts';
import { evaluationIndices } from './sample.ts';
import { atomClassMap } from './zero-shot-ood.ts';

export interface FewShotOodParams {
  /** Training sets by shot count, e.g. `{ "1": …, "5": …, "10": … }` (the upstream's `<k>_shot/`). */
  shot_datasets: Record<string, Dataset>;
  /** The OOD test set. */
  ood_dataset: Dataset;
  /** The training loss (the run's V3 loss). */
  loss: Loss;
  epochs: number;
  max_samples: number;
  n_classes: number;
}

/**
 * V3's few-shot OOD adaptation: for each shot set, fine-tune the model on it (AdamW lr 1e-4 for
 * one epoch by default, the codebook frozen), then classify the OOD test fragments with the
 * in-distribution atom → class map (`assignments[atom]`). Keys `few_shot_accuracy_<k>` and
 * `zero_shot_accuracy`. The loop is the metric's own, on the model's public interface (forward,
 * trainableVariables, afterStep) and an optimiser component, so it needs no trainer internals.
 * The model's variables are restored after each shot set, so later metrics see the trained model.
 */
export class FewShotOOD implements ModelMetric {
  constructor(readonly p: FewShotOodParams, readonly makeOptimizer: () => Optimizer) {}

  private accuracy(model: ContentStyleModel, assignments: Int32Array, batchSize: number): number {
    const ood = collectFragmentCodes(model, this.p.ood_dataset, evaluationIndices(this.p.ood_dataset.size, this.p.max_samples), batchSize);
    return atomClassAccuracy(ood.atoms, ood.contentLabels, assignments);
  }

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireContentStyleModel(ctx.model, 'untangle.metrics.FewShotOOD');
    if (!model.setCodebookFrozen) {
      throw new UntangleError('few_shot.freeze', `${model.constructor.name} cannot freeze its codebook`, {}, 'implement ContentStyleModel.setCodebookFrozen');
    }
    const map = atomClassMap(model, ctx.dataset, this.p.max_samples, ctx.batchSize, this.p.n_classes);
    const scores: MetricScores = { zero_shot_accuracy: this.accuracy(model, map.assignments, ctx.batchSize) };
    const named = model.namedVariables();
    for (const [shots, data] of Object.entries(this.p.shot_datasets).sort((a, b) => Number(a[0]) - Number(b[0]))) {
      const saved = new Map([...named].map(([k, v]) => [k, tf.clone(v)]));
      model.setCodebookFrozen(true);
      try {
        const optimizer = this.makeOptimizer();
        const vars = model.trainableVariables();
        let step = 0;
        for (let e = 0; e < this.p.epochs; e++) {
          const order = ctx.rng.permutation(data.size);
          for (let s = 0; s < order.length; s += ctx.batchSize, step++) {
            const batch = data.batch(order.subarray(s, Math.min(order.length, s + ctx.batchSize)));
            const stepCtx = { step, training: true, rng: ctx.rng };
            const { value, grads } = tf.variableGrads(() => this.p.loss.compute(batch, model.forward(batch, stepCtx), stepCtx).total, vars);
            const ordered = vars.map((v) => grads[v.name]);
            optimizer.apply(vars, ordered, optimizer.lr);
            model.afterStep?.(stepCtx);
            tf.dispose([value, ...ordered, ...Object.values(batch)]);
          }
        }
        scores[`few_shot_accuracy_${shots}`] = this.accuracy(model, map.assignments, ctx.batchSize);
      } finally {
        model.setCodebookFrozen(false);
        for (const [k, v] of saved) { named.get(k)?.assign(v); v.dispose(); }
      }
    }
    return scores;
  }
}

export const fewShotOodSpec = defineComponent<FewShotOodParams & { optimizer: ComponentNode }, FewShotOOD>({
  target: 'untangle.metrics.FewShotOOD',
  kind: 'metric',
  description: 'V3 few-shot OOD: fine-tune with the codebook frozen on k-shot sets, then classify OOD fragments by atom',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['shot_datasets', 'ood_dataset', 'loss'],
    properties: {
      shot_datasets: { type: 'object', additionalProperties: { 'x-kind': 'dataset' }, description: 'shot count → training set' },
      ood_dataset: { 'x-kind': 'dataset' },
      loss: { 'x-kind': 'loss' },
      optimizer: { 'x-kind': 'optimizer', 'x-lazy': true, default: { target: 'untangle.optim.AdamW', params: { lr: 1e-4 } }, description: 'built fresh for each shot set' },
      epochs: { type: 'integer', minimum: 1, default: 1 },
      max_samples: { type: 'integer', minimum: 1, default: 200 },
      n_classes: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p, ctx) => new FewShotOOD(p, () => ctx.instantiate<Optimizer>(p.optimizer, 'optimizer')),
});
