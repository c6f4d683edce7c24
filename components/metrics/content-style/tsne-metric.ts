import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import { TRACKER, type MetricScores, type ModelMetric, type ModelMetricContext, type RunTracker } from '../../../framework/contracts/index.ts';
import { scatterPng, type ScatterPoint } from '../../../framework/util/scatter.ts';
import { collectFragmentCodes, requireContentStyleModel } from './model.ts';
import { evaluationIndices } from './sample.ts';
import { tsne } from './tsne.ts';
import { precisionRecallAtK } from './retrieval.ts';

export interface ContentStyleTsneParams {
  /** Fragments embedded (the codebook atoms are added to the content embedding); exact t-SNE is O(N²). */
  max_points: number;
  max_samples: number;
  perplexity: number;
  iterations: number;
}

/**
 * t-SNE pictures of V3's codes, 2-D for the picture (the upstream plots 3-D with matplotlib):
 * content codes with the codebook atoms (black squares), coloured by content label, and style
 * codes coloured by style label; `tsne/{zc_content,zc_style,zs_style,zs_content}.png`. Keys: the
 * final KL of each embedding and the kNN precision@5 of labels in the 2-D embedding (how much
 * of the picture's clustering is real).
 */
export class ContentStyleTSNE implements ModelMetric {
  /** `tracker`: the run its pictures and tables are written into. */
  constructor(readonly p: ContentStyleTsneParams, private readonly tracker: RunTracker) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireContentStyleModel(ctx.model, 'untangle.metrics.ContentStyleTSNE');
    const codes = collectFragmentCodes(model, ctx.dataset, evaluationIndices(ctx.dataset.size, this.p.max_samples), ctx.batchSize);
    const book = tf.tidy(() => model.codebook().dataSync() as Float32Array);
    const nAtoms = model.nAtoms;
    const nc = Math.min(codes.n, Math.max(3, this.p.max_points - nAtoms)), ns = Math.min(codes.n, this.p.max_points);
    const zc = new Float32Array((nc + nAtoms) * codes.dc);
    zc.set(codes.content.subarray(0, nc * codes.dc));
    zc.set(book, nc * codes.dc);
    const opts = { perplexity: this.p.perplexity, iterations: this.p.iterations };
    const ec = tsne(zc, nc + nAtoms, codes.dc, ctx.rng, { ...opts, perplexity: Math.min(this.p.perplexity, nc + nAtoms - 1) });
    const es = tsne(codes.style.subarray(0, ns * codes.ds), ns, codes.ds, ctx.rng, { ...opts, perplexity: Math.min(this.p.perplexity, ns - 1) });
    const draw = (e: Float64Array, labels: Int32Array, n: number, atoms: number) => scatterPng(Array.from({ length: n + atoms }, (_, i): ScatterPoint => (
      i < n ? { x: e[2 * i], y: e[2 * i + 1], cls: labels[i] } : { x: e[2 * i], y: e[2 * i + 1], cls: -1, size: 8 })));
    this.tracker.logArtifact('tsne/zc_content.png', draw(ec.embedding, codes.contentLabels, nc, nAtoms));
    this.tracker.logArtifact('tsne/zc_style.png', draw(ec.embedding, codes.styleLabels, nc, nAtoms));
    this.tracker.logArtifact('tsne/zs_style.png', draw(es.embedding, codes.styleLabels, ns, 0));
    this.tracker.logArtifact('tsne/zs_content.png', draw(es.embedding, codes.contentLabels, ns, 0));
    const p5 = (e: Float64Array, labels: Int32Array, n: number) => precisionRecallAtK(Float32Array.from(e.subarray(0, 2 * n)), 2, labels.subarray(0, n), [5], 'v2026').precision[0];
    return {
      kl_content: ec.kl[ec.kl.length - 1], kl_style: es.kl[es.kl.length - 1],
      zc_content_precision_at_5_2d: p5(ec.embedding, codes.contentLabels, nc),
      zs_style_precision_at_5_2d: p5(es.embedding, codes.styleLabels, ns),
    };
  }
}

export const contentStyleTsneSpec = defineComponent<ContentStyleTsneParams, ContentStyleTSNE>({
  target: 'untangle.metrics.ContentStyleTSNE',
  kind: 'metric',
  description: 'V3 t-SNE pictures: content codes with the codebook atoms, and style codes (exact t-SNE, 2-D)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max_points: { type: 'integer', minimum: 4, maximum: 2000, default: 1000 },
      max_samples: { type: 'integer', minimum: 1, default: 200 },
      perplexity: { type: 'number', exclusiveMinimum: 1, default: 30 },
      iterations: { type: 'integer', minimum: 1, default: 1000 },
    },
  },
  create: (p, ctx) => new ContentStyleTSNE(p, ctx.resolve(TRACKER)),
});
