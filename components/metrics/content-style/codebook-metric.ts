import { defineComponent } from '../../../framework/registry/types.ts';
import { TRACKER, type MetricScores, type ModelMetric, type ModelMetricContext, type RunTracker } from '../../../framework/contracts/index.ts';
import { heatmapPng } from '../../../framework/util/heatmap.ts';
import { codebookPurity, confusionCounts, atomAssignments, rowNormalised, rowOrder, classCount } from './codebook.ts';
import { collectFragmentCodes, requireContentStyleModel } from './model.ts';
import { evaluationIndices } from './sample.ts';

export interface ContentStyleCodebookParams {
  max_samples: number;
  /** Content classes (columns); 0 = the largest content label seen + 1. */
  n_classes: number;
}

/**
 * The codebook's confusion matrix (atoms × content classes) and codebook accuracy. Keys:
 * `codebook_accuracy` (the upstream's, unweighted over used atoms), `codebook_accuracy_weighted`
 * (weighted by use), `atoms_in_use`, `n_atoms`. Logs `codebook/confusion.png` (rows sorted by
 * their class, row-normalised, "Purples" as upstream) and `codebook/confusion.json` (raw counts).
 */
export class ContentStyleCodebook implements ModelMetric {
  /** `tracker`: the run its pictures and tables are written into. */
  constructor(readonly p: ContentStyleCodebookParams, private readonly tracker: RunTracker) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireContentStyleModel(ctx.model, 'untangle.metrics.ContentStyleCodebook');
    const codes = collectFragmentCodes(model, ctx.dataset, evaluationIndices(ctx.dataset.size, this.p.max_samples), ctx.batchSize);
    const nAtoms = model.nAtoms;
    const nClasses = this.p.n_classes || classCount(codes.contentLabels);
    const counts = confusionCounts(codes.atoms, codes.contentLabels, nAtoms, nClasses);
    const purity = codebookPurity(counts, nAtoms, nClasses);
    const assignments = atomAssignments(counts, nAtoms, nClasses);
    const order = rowOrder(assignments);
    const norm = rowNormalised(counts, nAtoms, nClasses);
    const sorted = new Float64Array(norm.length);
    order.forEach((a, r) => sorted.set(norm.subarray(a * nClasses, (a + 1) * nClasses), r * nClasses));
    this.tracker.logArtifact('codebook/confusion.png', heatmapPng(sorted, nAtoms, nClasses, {
      rowLabels: Array.from(order, String), colLabels: Array.from({ length: nClasses }, (_, c) => String(c)),
    }));
    this.tracker.logArtifact('codebook/confusion.json', JSON.stringify({ n_atoms: nAtoms, n_classes: nClasses, counts: Array.from(counts), assignments: Array.from(assignments), row_order: Array.from(order) }));
    return { codebook_accuracy: purity.unweighted, codebook_accuracy_weighted: purity.weighted, atoms_in_use: purity.atomsInUse, n_atoms: nAtoms };
  }
}

export const contentStyleCodebookSpec = defineComponent<ContentStyleCodebookParams, ContentStyleCodebook>({
  target: 'untangle.metrics.ContentStyleCodebook',
  kind: 'metric',
  description: 'V3 codebook confusion matrix (picture) and codebook accuracy, unweighted and frequency-weighted',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max_samples: { type: 'integer', minimum: 1, default: 200 },
      n_classes: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p, ctx) => new ContentStyleCodebook(p, ctx.resolve(TRACKER)),
});
