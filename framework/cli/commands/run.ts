import type { ParsedArgs } from '../args.ts';
import { flag, hasFlag } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { runExperiment } from '../../trainer/session.ts';

/** `untangle run --base a.yaml [b.yaml] [overrides] [--resume RUN_ID [--fork]]`. */
export async function runCommand(args: ParsedArgs, registry: ComponentRegistry): Promise<number> {
  const outcome = await runExperiment({
    registry,
    baseFiles: args.baseFiles,
    overrides: args.overrides,
    resume: flag(args, 'resume'),
    fork: hasFlag(args, 'fork'),
  });
  const scores = Object.entries(outcome.scores).flatMap(([m, s]) => Object.entries(s).map(([k, v]) => `${m}.${k}=${v.toFixed(4)}`));
  process.stdout.write(`${outcome.status} run ${outcome.runId} (experiment ${outcome.experimentId}) after ${outcome.fit.steps} steps, loss ${outcome.fit.lastLoss.toFixed(5)}${scores.length ? `\n  ${scores.join('\n  ')}` : ''}\n`);
  return outcome.status === 'FINISHED' ? 0 : 130;
}
