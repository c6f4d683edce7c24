// The command line shared by the parity scripts: `--key value` options, bare flags, and
// everything after `--base`, split into the YAML files to compose and the Hydra overrides.
export interface ScriptArgs {
  /** The value after `--key`, if given. */
  opt(key: string): string | undefined;
  /** Whether a bare flag is present. */
  has(flag: string): boolean;
  /** Whether `--base` was given at all (the scripts require it). */
  hasBase: boolean;
  base: string[];
  overrides: string[];
}

export function scriptArgs(argv: string[] = process.argv.slice(2)): ScriptArgs {
  const bi = argv.indexOf('--base');
  const rest = bi < 0 ? [] : argv.slice(bi + 1);
  return {
    opt: (key) => { const i = argv.indexOf(key); return i >= 0 ? argv[i + 1] : undefined; },
    has: (flag) => argv.includes(flag),
    hasBase: bi >= 0,
    base: rest.filter((a) => a.endsWith('.yaml')),
    overrides: rest.filter((a) => !a.endsWith('.yaml')),
  };
}
