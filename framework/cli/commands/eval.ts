import { join } from 'node:path';
import type { ParsedArgs } from '../args.ts';
import { flag } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { composeConfig } from '../../config/compose.ts';
import { openTracker, localStoreDir } from '../../tracking/open.ts';
import { selectBackend } from '../../backends/select.ts';
import { buildParts, sections } from '../../trainer/parts.ts';
import { loadRunWeights } from '../../run/weights.ts';
import { RESOLVED_CONFIG_REL } from '../../trainer/resolvers.ts';
import { defaultResolvers } from '../../trainer/resolvers.ts';
import { evaluateMetrics, logScores } from '../../evaluator/evaluate.ts';
import { deriveSeed } from '../../util/rng.ts';
import { UntangleError } from '../../util/errors.ts';
import { suggest } from '../../util/suggest.ts';

/** `untangle eval RUN_ID [--metrics a,b]`: the config's metrics on the trained model, logged to the same run. */
export async function evalCommand(args: ParsedArgs, registry: ComponentRegistry): Promise<number> {
  const runId = args.positionals[0];
  if (!runId) throw new UntangleError('cli-usage', 'untangle eval needs a RUN_ID', {}, 'list runs with `untangle runs`');
  const tracker = openTracker(flag(args, 'store') ?? 'runs', process.cwd());
  const dir = tracker.artifactDir(runId);
  if (!dir) throw new UntangleError('run-not-found', `no run '${runId}' in ${tracker.uri}`, {});
  const composed = composeConfig({ baseFiles: [join(dir, RESOLVED_CONFIG_REL)], overrides: args.overrides, registry, resolvers: defaultResolvers(process.cwd()) });
  const s = sections(composed.config);
  await selectBackend(s.runtime.backend, { threads: s.runtime.threads, device: s.runtime.device, deterministic: s.runtime.deterministic, log: (l) => process.stderr.write(`${l}\n`) });
  const parts = buildParts(composed.config, registry, registry.runScope(), { withEval: true, withTraining: false });
  const ckpt = loadRunWeights(parts, dir);
  const wanted = flag(args, 'metrics')?.split(',').map((m) => m.trim()).filter(Boolean);
  const metrics = wanted ? Object.fromEntries(wanted.map((m) => {
    if (!parts.metrics[m]) throw new UntangleError('unknown-metric', `the run's config has no metric '${m}'`, { configured: Object.keys(parts.metrics).join(', ') }, suggest(m, Object.keys(parts.metrics)) ? `did you mean ${suggest(m, Object.keys(parts.metrics))}?` : 'add it under eval.metrics (as an override: +eval.metrics.NAME={target: ...})');
    return [m, parts.metrics[m]];
  })) : parts.metrics;
  if (!Object.keys(metrics).length) throw new UntangleError('no-metrics', `run ${runId} configures no metrics`, {}, 'add eval.metrics to the config, e.g. +eval.metrics.mig={target: untangle.metrics.MIG}');
  const run = tracker.openRun(runId);
  const scores = await evaluateMetrics({
    metrics, model: parts.model, dataset: parts.evalDataset ?? parts.dataset, batchSize: s.eval.batch_size, rootSeed: deriveSeed(s.seed, 'eval'),
    storeDir: localStoreDir(s.tracking.uri, process.cwd()), logArtifact: (rel, d) => run.logArtifact(rel, d), log: (l) => process.stderr.write(`${l}\n`),
  });
  logScores(run, scores, ckpt.state.step);
  await run.flush();
  process.stdout.write(`${JSON.stringify(scores, null, 2)}\n`);
  return 0;
}
