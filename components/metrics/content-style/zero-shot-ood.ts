import { defineComponent } from '../../../framework/registry/types.ts';
import type { Dataset, MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { atomAssignments, atomClassAccuracy, classCount, confusionCounts } from './codebook.ts';
import { collectFragmentCodes, requireContentStyleModel, type ContentStyleModel } from './model.ts';
import { evaluationIndices } from './sample.ts';

export interface ZeroShotOodParams {
  /** The out-of-distribution data (unseen colours / instruments), with the same content classes. */
  ood_dataset: Dataset;
  max_samples: number;
  n_classes: number;
}

/** The atom → class map from in-distribution data (a content classifier), and its accuracy there. */
export function atomClassMap(model: ContentStyleModel, data: Dataset, maxSamples: number, batchSize: number, nClasses: number): { assignments: Int32Array; nClasses: number; inDistributionAccuracy: number } {
  const codes = collectFragmentCodes(model, data, evaluationIndices(data.size, maxSamples), batchSize);
  const k = nClasses || classCount(codes.contentLabels);
  const assignments = atomAssignments(confusionCounts(codes.atoms, codes.contentLabels, model.nAtoms, k), model.nAtoms, k);
  return { assignments, nClasses: k, inDistributionAccuracy: atomClassAccuracy(codes.atoms, codes.contentLabels, assignments) };
}

/**
 * V3's zero-shot OOD classification: each atom is mapped to the commonest content class of its
 * in-distribution fragments (the run's evaluation data), and OOD fragments are classified by
 * their atom's class, `assignments[atom]` (the upstream used the atom's position in the argsort
 * of the assignments, right only when atoms and classes are one-to-one: bug 6). Keys:
 * `zero_shot_accuracy` (OOD) and `in_distribution_accuracy` (the same map on the data it came from).
 */
export class ZeroShotOOD implements ModelMetric {
  constructor(readonly p: ZeroShotOodParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireContentStyleModel(ctx.model, 'untangle.metrics.ZeroShotOOD');
    const map = atomClassMap(model, ctx.dataset, this.p.max_samples, ctx.batchSize, this.p.n_classes);
    const ood = collectFragmentCodes(model, this.p.ood_dataset, evaluationIndices(this.p.ood_dataset.size, this.p.max_samples), ctx.batchSize);
    return {
      zero_shot_accuracy: atomClassAccuracy(ood.atoms, ood.contentLabels, map.assignments),
      in_distribution_accuracy: map.inDistributionAccuracy,
      ood_fragments: ood.n,
    };
  }
}

export const zeroShotOodSpec = defineComponent<ZeroShotOodParams, ZeroShotOOD>({
  target: 'untangle.metrics.ZeroShotOOD',
  kind: 'metric',
  description: 'V3 zero-shot OOD: atoms mapped to content classes in distribution, accuracy on OOD data',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['ood_dataset'],
    properties: {
      ood_dataset: { 'x-kind': 'dataset', description: 'the OOD data set (e.g. PhoneNums with the OOD palette)' },
      max_samples: { type: 'integer', minimum: 1, default: 200 },
      n_classes: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p) => new ZeroShotOOD(p),
});
