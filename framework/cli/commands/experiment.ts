import type { ParsedArgs } from '../args.ts';
import { hasFlag } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { runStages } from '../../experiment/stages.ts';
import { UntangleError } from '../../util/errors.ts';

/** `untangle experiment FILE [--force] [overrides applied to every stage]`. */
export async function experimentCommand(args: ParsedArgs, registry: ComponentRegistry): Promise<number> {
  const file = args.positionals[0] ?? args.baseFiles[0];
  if (!file) throw new UntangleError('cli-usage', 'experiment needs a file', {}, 'untangle experiment experiments/disdiff-shapes3d.yaml [--force]');
  const outcomes = await runStages({ registry, file, force: hasFlag(args, 'force'), overrides: args.overrides });
  for (const o of outcomes) {
    const scores = Object.entries(o.scores).flatMap(([m, s]) => Object.entries(s).map(([k, v]) => `${m}.${k}=${v.toFixed(4)}`));
    process.stdout.write(`${o.stage}: ${o.action} run ${o.runId} (${o.runName})${scores.length ? ` ${scores.join(' ')}` : ''}\n`);
  }
  return 0;
}
