import type { ParsedArgs } from '../args.ts';
import { flag, hasFlag } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { executeRun } from '../../run/execute.ts';
import { UntangleError } from '../../util/errors.ts';

/** `untangle run --base a.yaml [b.yaml] [overrides] [--resume RUN_ID [--fork] [--store URI]]`. */
export async function runCommand(args: ParsedArgs, registry: ComponentRegistry): Promise<number> {
  const outcome = await executeRun({
    registry,
    baseFiles: args.baseFiles,
    overrides: args.overrides,
    resume: flag(args, 'resume'),
    fork: hasFlag(args, 'fork'),
    store: flag(args, 'store'),
    tags: tagsFromEnv(),
  });
  const scores = Object.entries(outcome.scores).flatMap(([m, s]) => Object.entries(s).map(([k, v]) => `${m}.${k}=${v.toFixed(4)}`));
  process.stdout.write(`${outcome.status} run ${outcome.runId} (experiment ${outcome.experimentId}) after ${outcome.fit.steps} steps, ${outcome.fit.lastLoss === null ? 'no step trained in this invocation' : `loss ${outcome.fit.lastLoss.toFixed(5)}`}${scores.length ? `\n  ${scores.join('\n  ')}` : ''}\n`);
  return outcome.status === 'FINISHED' ? 0 : 130;
}

/**
 * Launchers hand a trial its tags (mlflow.parentRunId, untangle.sweep_id, untangle.trial_id, the
 * overrides) as JSON in UNTANGLE_RUN_TAGS: an environment variable keeps them out of the override
 * grammar and off the command line users type.
 */
function tagsFromEnv(): Record<string, string> | undefined {
  const raw = process.env.UNTANGLE_RUN_TAGS;
  if (!raw) return undefined;
  const v = JSON.parse(raw) as unknown;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new UntangleError('run-tags', 'UNTANGLE_RUN_TAGS must be a JSON object of strings', { value: raw.slice(0, 200) });
  }
  return v as Record<string, string>;
}
