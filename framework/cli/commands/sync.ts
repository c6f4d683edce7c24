import type { ParsedArgs } from '../args.ts';
import { flag } from '../args.ts';
import { localStoreDir, trackingUri } from '../../tracking/open.ts';
import { syncRuns } from '../../tracking/rest/index.ts';
import { UntangleError } from '../../util/errors.ts';

/**
 * `untangle sync [RUN_ID ...] [--uri http://server:5000] [--store runs]`: pushes local runs the
 * server does not fully have yet (made offline, or killed mid-flush). Idempotent: replaying twice
 * creates no duplicate metric points.
 */
export async function syncCommand(args: ParsedArgs): Promise<number> {
  const uri = flag(args, 'uri') ?? trackingUri(null);
  if (!/^https?:\/\//.test(uri)) {
    throw new UntangleError('cli-usage', 'untangle sync needs a server', { uri }, 'pass --uri http://host:5000 or set MLFLOW_TRACKING_URI');
  }
  const store = localStoreDir(flag(args, 'store') ?? 'runs', process.cwd());
  const report = await syncRuns(store, uri, args.positionals.length ? args.positionals : undefined);
  for (const r of report.runs) process.stdout.write(`${r.ok ? 'synced' : 'FAILED'} ${r.localRunId}${r.error ? `\n${r.error}` : ''}\n`);
  process.stdout.write(`${report.runs.filter((r) => r.ok).length}/${report.runs.length} runs synced to ${report.server}\n`);
  return report.ok ? 0 : 1;
}
