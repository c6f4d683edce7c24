import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { collectFragmentCodes, requireContentStyleModel } from './model.ts';
import { neighbourBreakdown } from './neighbours.ts';
import { evaluationIndices } from './sample.ts';

export interface ContentStyleNeighboursParams {
  max_samples: number;
}

/**
 * The nearest-neighbour breakdown (neighbours.ts) of the continuous content codes `zc` and the
 * style codes `zs`: keys `<code>/<kind>` (fractions of fragments) and `<code>/dist_*`. A
 * diagnostic for precision@1, which it decomposes; it scores nothing on its own.
 */
export class ContentStyleNeighbours implements ModelMetric {
  constructor(readonly p: ContentStyleNeighboursParams) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireContentStyleModel(ctx.model, 'untangle.metrics.ContentStyleNeighbours');
    const codes = collectFragmentCodes(model, ctx.dataset, evaluationIndices(ctx.dataset.size, this.p.max_samples), ctx.batchSize);
    // Fragments are gathered sample by sample, `fragments` at a time.
    const sample = Int32Array.from({ length: codes.n }, (_, i) => Math.floor(i / codes.fragments));
    const scores: MetricScores = {};
    for (const [name, arr, d] of [['zc', codes.content, codes.dc], ['zs', codes.style, codes.ds]] as const) {
      const b = neighbourBreakdown(arr, d, sample, codes.contentLabels, codes.styleLabels);
      for (const [k, v] of Object.entries(b)) scores[`${name}/${k}`] = v;
    }
    return scores;
  }
}

export const contentStyleNeighboursSpec = defineComponent<ContentStyleNeighboursParams, ContentStyleNeighbours>({
  target: 'untangle.metrics.ContentStyleNeighbours',
  kind: 'metric',
  description: 'where each content/style code\'s nearest neighbour lies (same sample; other sample with the same style and/or content), and the distance scales behind precision@1',
  schema: {
    type: 'object', additionalProperties: false,
    properties: { max_samples: { type: 'integer', minimum: 1, default: 200 } },
  },
  create: (p) => new ContentStyleNeighbours(p),
});
