import type { ParsedArgs } from '../args.ts';
import { flag, hasFlag } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { FileStore } from '../../tracking/filestore.ts';
import { localStoreDir } from '../../tracking/open.ts';
import { parseValue } from '../../config/overrides.ts';
import { UntangleError } from '../../util/errors.ts';
import { auditFingerprint, formatFingerprintAudit } from '../../audit/check.ts';
import { auditRerun, formatRerunAudit } from '../../run/rerun.ts';
import { diffRuns, formatRunDiff } from '../../audit/diff-runs.ts';

export const AUDIT_HELP = 'audit RUN_ID [--rerun [--steps K] [--tolerance train/loss=0,eval/*=1e-3]] [--store runs]';
export const DIFF_HELP = 'diff RUN_A RUN_B [--store runs]';

function store(args: ParsedArgs): FileStore {
  return new FileStore(localStoreDir(flag(args, 'store') ?? 'runs', process.cwd()));
}

/** `untangle audit RUN_ID`: the fingerprint check; with --rerun, also re-execute and compare metrics. Exit 1 on a failed audit. */
export async function auditCommand(args: ParsedArgs, registry: ComponentRegistry): Promise<number> {
  const runId = args.positionals[0];
  if (!runId) throw new UntangleError('cli-usage', 'untangle audit needs a RUN_ID', {}, AUDIT_HELP);
  const s = store(args);
  const fp = await auditFingerprint({ registry, store: s, runId });
  process.stdout.write(formatFingerprintAudit(fp));
  if (!hasFlag(args, 'rerun')) return fp.ok ? 0 : 1;
  const stepsFlag = flag(args, 'steps');
  const rerun = await auditRerun({
    registry, store: s, runId, steps: stepsFlag === undefined ? undefined : Number(stepsFlag),
    tolerances: parseTolerances(flag(args, 'tolerance')),
  });
  process.stdout.write(`\n${formatRerunAudit(rerun)}`);
  // The rerun judges reproducibility; fingerprint drift alone (say, a new commit) is reported above.
  return rerun.ok ? 0 : 1;
}

/** `train/loss=0,eval/*=1e-3` → {train/loss: 0, eval/*: 0.001}. */
export function parseTolerances(text: string | undefined): Record<string, number> {
  if (!text) return {};
  return Object.fromEntries(text.split(',').map((part) => {
    const eq = part.lastIndexOf('=');
    const v = eq > 0 ? parseValue(part.slice(eq + 1)) : null;
    if (!v || !v.ok || typeof v.value !== 'number' || !(v.value >= 0)) {
      throw new UntangleError('cli-usage', `--tolerance: '${part}' is not METRIC=NUMBER`, {}, 'e.g. --tolerance train/loss=0,eval/*=1e-3');
    }
    return [part.slice(0, eq), v.value];
  }));
}

/** `untangle diff RUN_A RUN_B`. */
export function diffCommand(args: ParsedArgs): number {
  const [a, b] = args.positionals;
  if (!a || !b) throw new UntangleError('cli-usage', 'untangle diff needs two run ids', {}, DIFF_HELP);
  process.stdout.write(formatRunDiff(diffRuns(store(args), a, b)));
  return 0;
}
