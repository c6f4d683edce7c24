import type { ParsedArgs } from '../args.ts';
import { flag } from '../args.ts';
import { openTracker } from '../../tracking/open.ts';

/** `untangle runs [--store runs]`: the runs in the local store, newest first. */
export function runsCommand(args: ParsedArgs): number {
  const tracker = openTracker(flag(args, 'store') ?? 'runs', process.cwd());
  const runs = tracker.searchRuns();
  if (!runs.length) {
    process.stdout.write(`no runs in ${tracker.uri}\n`);
    return 0;
  }
  for (const r of runs) {
    const loss = r.metrics['train/loss'];
    process.stdout.write(`${r.info.runId}  ${new Date(r.info.startTime).toISOString().slice(0, 19)}  ${r.info.status.padEnd(8)}  ${r.info.runName}${loss ? `  loss ${loss.value.toFixed(5)} @${loss.step}` : ''}\n`);
  }
  return 0;
}
