import { isOverrideToken } from '../config/overrides.ts';
import { UntangleError } from '../util/errors.ts';

export interface ParsedArgs {
  command: string;
  positionals: string[];
  baseFiles: string[];
  overrides: string[];
  flags: Map<string, string | true>;
}

/** Flags that take a value; every other `--flag` is a switch. */
const VALUED = new Set(['resume', 'explain', 'metrics', 'codes', 'factor-sizes', 'seed', 'store', 'out', 'jobs', 'steps', 'launcher', 'tolerance', 'uri', 'plot', 'metric', 'axis', 'kind']);

/**
 * `untangle <command> [--base a.yaml b.yaml ...] [overrides ...] [--flag value ...]`.
 * `--base` takes the files after it up to the next flag or override. An override is any token with
 * `=` or a leading `~`, so `--base x.yaml model.lr=1` never reads `model.lr=1` as a file (the
 * latent-diffusion argparse trap).
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { command: argv[0] ?? 'help', positionals: [], baseFiles: [], overrides: [], flags: new Map() };
  let i = 1;
  while (i < argv.length) {
    const a = argv[i];
    if (a === '--base' || a === '-b') {
      i++;
      while (i < argv.length && !argv[i].startsWith('-') && !isOverrideToken(argv[i])) out.baseFiles.push(argv[i++]);
      if (!out.baseFiles.length) throw new UntangleError('cli-usage', '--base needs at least one YAML file', {});
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) out.flags.set(name, a.slice(eq + 1));
      else if (VALUED.has(name)) {
        if (i + 1 >= argv.length) throw new UntangleError('cli-usage', `--${name} needs a value`, {});
        out.flags.set(name, argv[++i]);
      } else out.flags.set(name, true);
      i++;
      continue;
    }
    if (isOverrideToken(a) || a.startsWith('+')) out.overrides.push(a);
    else out.positionals.push(a);
    i++;
  }
  return out;
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function hasFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}
