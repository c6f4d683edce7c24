// A config's parts (model, data, metrics) built as `untangle run` builds them, for the bench/v3
// diagnostics, with the metrics' pictures and tables written into a scratch run store, not into
// the run being looked at. Only the metrics named in `metrics` are kept.
import { composeConfig } from '../../framework/config/compose.ts';
import { buildParts, sections, type RunParts } from '../../framework/trainer/parts.ts';
import { defaultResolvers } from '../../framework/trainer/resolvers.ts';
import { selectBackend } from '../../framework/backends/select.ts';
import { openTracker } from '../../framework/tracking/open.ts';
import { trackedRunServices } from '../../framework/run/services.ts';
import { createRegistry } from '../../registry.ts';
import { runScope } from '../../framework/registry/scope.ts';
import { evaluateMetrics } from '../../framework/evaluator/evaluate.ts';
import { deriveSeed } from '../../framework/util/rng.ts';
import type { MetricScores, Model } from '../../framework/contracts/index.ts';

export const SCRATCH_STORE = '/tmp/untangle-bench-v3';

export interface ScratchParts {
  parts: RunParts;
  sections: ReturnType<typeof sections>;
}

export async function scratchParts(baseFiles: string[], overrides: string[], metrics: readonly string[]): Promise<ScratchParts> {
  const registry = createRegistry();
  const composed = composeConfig({ baseFiles, overrides, registry, resolvers: defaultResolvers(process.cwd()) });
  const s = sections(composed.config);
  const backend = await selectBackend(s.runtime.backend, { threads: s.runtime.threads, log: () => {} });
  const scratch = openTracker(SCRATCH_STORE, process.cwd()).createRun({ experimentName: 'bench-v3', runName: 'scratch' });
  // Unwanted metrics are dropped before building (buildParts skips null entries), so their own
  // data sets (OOD pages, few-shot splits) are never generated.
  for (const m of Object.keys(s.eval.metrics)) if (!metrics.includes(m)) s.eval.metrics[m] = null;
  const parts = buildParts(composed.config, registry, runScope(trackedRunServices(scratch, backend, process.cwd())), { withEval: true, withTraining: false });
  return { parts, sections: s };
}

/** The config's metrics on `model` (the parts' own model, or a stand-in), as `untangle run` scores at its end. */
export function scoreWith(sp: ScratchParts, model: Model): Promise<Record<string, MetricScores>> {
  const { parts, sections: s } = sp;
  return evaluateMetrics({ metrics: parts.metrics, model, dataset: parts.evalDataset ?? parts.dataset, batchSize: s.eval.batch_size, rootSeed: deriveSeed(s.seed, 'eval') });
}

/** The precision@1 rows of the table, then the codebook, in that order. */
export const HEADLINE_KEYS = [
  'retrieval/v2026/zc_content/precision_at_1', 'retrieval/v2026/zc_style/precision_at_1', 'retrieval/v2026/zs_style/precision_at_1',
  'retrieval/v2026/zs_content/precision_at_1', 'codebook/codebook_accuracy_weighted', 'codebook/atoms_in_use',
] as const;

/** One line: each headline score as `<code>_<label>/<key>=0.123`. */
export function headline(scores: Record<string, MetricScores>): string {
  return HEADLINE_KEYS.map((k) => {
    const [metric, ...rest] = k.split('/');
    return `${k.split('/').slice(-2).join('/')}=${scores[metric]?.[rest.join('/')]?.toFixed(3)}`;
  }).join(' ');
}
