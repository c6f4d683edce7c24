import { defineComponent } from '../../../framework/registry/types.ts';
import { TRACKER, type MetricScores, type ModelMetric, type ModelMetricContext, type RunTracker } from '../../../framework/contracts/index.ts';
import { collectFragmentCodes, requireContentStyleModel } from './model.ts';
import { adaptiveKList, areaUnderPr, paperKList, RETRIEVAL_PROTOCOLS, retrievalCurves, type RetrievalCurve, type RetrievalProtocol, type RetrievalTask } from './retrieval.ts';
import { evaluationIndices } from './sample.ts';

export interface ContentStyleRetrievalParams {
  /** Protocols to score; each one's keys are prefixed with its name (see retrieval.ts). */
  protocols: RetrievalProtocol[];
  /** The paper's fixed k = 1..k_max (v2025). */
  k_max: number;
  /** Sequences scored (each gives n fragments); the first ones of the data set, as the upstream's unshuffled test loader. */
  max_samples: number;
  /** Which content code is retrieved with: the encoder's (upstream) or the quantised atom. */
  content_code: 'continuous' | 'quantized';
  /** k values whose precision / recall / F1 are reported as scalars (all k go to the curves artifact). */
  report_k: number[];
}

const CODES = ['zc', 'zs'] as const;
const LABELS = ['content', 'style'] as const;

/**
 * V3's retrieval evaluation: kNN precision, recall and F1 at k, and the PR AUC, for content codes
 * `zc` and style codes `zs` against content and style labels (all four pairings). Keys:
 * `<protocol>/<code>_<label>/{auc, f1_max, precision_at_<k>, recall_at_<k>, f1_at_<k>}`. A good
 * model has high `zc_content` and `zs_style`, and low `zc_style` and `zs_content`.
 *
 * Under `v2025` the query takes the first neighbour slot itself, so `precision_at_1` is 0 for
 * distinct codes — the paper reports AUCs and F1 ranges, not p@1; use `v2026` for precision@1.
 */
export class ContentStyleRetrieval implements ModelMetric {
  /** `tracker`: the run its pictures and tables are written into. */
  constructor(readonly p: ContentStyleRetrievalParams, private readonly tracker: RunTracker) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireContentStyleModel(ctx.model, 'untangle.metrics.ContentStyleRetrieval');
    const codes = collectFragmentCodes(model, ctx.dataset, evaluationIndices(ctx.dataset.size, this.p.max_samples), ctx.batchSize);
    const labels = { content: codes.contentLabels, style: codes.styleLabels };
    const arrays = { zc: this.p.content_code === 'quantized' ? codes.contentQuantized : codes.content, zs: codes.style };
    const dims = { zc: codes.dc, zs: codes.ds };
    const scores: MetricScores = { fragments: codes.n };
    const curves: Record<string, Record<string, RetrievalCurve>> = {};
    for (const code of CODES) {
      const tasks: (RetrievalTask & { key: string })[] = [];
      for (const protocol of this.p.protocols) for (const label of LABELS) {
        const kList = protocol === 'v2025' ? paperKList(this.p.k_max, codes.n) : adaptiveKList(labels[label]);
        tasks.push({ labels: labels[label], kList, protocol, key: `${code}_${label}` });
      }
      retrievalCurves(arrays[code], dims[code], tasks).forEach((c, i) => {
        const t = tasks[i];
        (curves[t.protocol] ??= {})[t.key] = c;
        const prefix = `${t.protocol}/${t.key}`;
        scores[`${prefix}/auc`] = areaUnderPr(c.recall, c.precision);
        scores[`${prefix}/f1_max`] = Math.max(...c.f1);
        for (const k of this.p.report_k) {
          const at = c.k.indexOf(k);
          if (at < 0) continue;
          scores[`${prefix}/precision_at_${k}`] = c.precision[at];
          scores[`${prefix}/recall_at_${k}`] = c.recall[at];
          scores[`${prefix}/f1_at_${k}`] = c.f1[at];
        }
      });
    }
    for (const [protocol, c] of Object.entries(curves)) this.tracker.logArtifact(`retrieval/${protocol}.json`, JSON.stringify({ protocol, content_code: this.p.content_code, fragments: codes.n, curves: c }));
    return scores;
  }
}

export const contentStyleRetrievalSpec = defineComponent<ContentStyleRetrievalParams, ContentStyleRetrieval>({
  target: 'untangle.metrics.ContentStyleRetrieval',
  kind: 'metric',
  description: 'V3 retrieval: kNN precision/recall/F1 at k and PR AUC of content and style codes vs content and style labels',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      protocols: { type: 'array', items: { enum: [...RETRIEVAL_PROTOCOLS] }, minItems: 1, uniqueItems: true, default: ['v2025', 'v2026'] },
      k_max: { type: 'integer', minimum: 1, default: 3000 },
      max_samples: { type: 'integer', minimum: 1, default: 200 },
      content_code: { enum: ['continuous', 'quantized'], default: 'continuous' },
      report_k: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [1, 5, 10, 100] },
    },
  },
  create: (p, ctx) => new ContentStyleRetrieval(p, ctx.resolve(TRACKER)),
});
