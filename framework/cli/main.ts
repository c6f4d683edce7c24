import 'reflect-metadata';
import { enableProdMode } from '@tensorflow/tfjs-core';
import { parseArgs, type ParsedArgs } from './args.ts';
import { CodedError } from '@untangle/tfjs-backend-libtorch/errors';
import { ConfigError } from '../config/issues.ts';
import { runCommand } from './commands/run.ts';
import { configCommand } from './commands/config.ts';
import { lsCommand } from './commands/ls.ts';
import { runsCommand } from './commands/runs.ts';
import { evalCommand } from './commands/eval.ts';
import { experimentCommand } from './commands/experiment.ts';
import { scoreCommand } from './commands/score.ts';
import { syncCommand } from './commands/sync.ts';
import { sweepCommand, SWEEP_HELP } from './commands/sweep.ts';
import { auditCommand, diffCommand, AUDIT_HELP, DIFF_HELP } from './commands/audit.ts';
import type { ComponentRegistry } from '../registry/registry.ts';
import { loadPlugins } from '../registry/plugins.ts';

type Command = (args: ParsedArgs, registry: ComponentRegistry) => number | Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  run: { run: runCommand, help: 'run --base a.yaml [b.yaml ...] [key=value +key=value ++key=value ~key] [--resume RUN_ID [--fork] [--store URI]]' },
  config: { run: configCommand, help: 'config --base a.yaml [...] [overrides] [--explain key.path]' },
  ls: { run: lsCommand, help: 'ls [model|loss|sampler|dataset|metric|optimizer|schedule|callback|launcher|groups]' },
  runs: { run: (a) => runsCommand(a), help: 'runs [--store runs]' },
  eval: { run: evalCommand, help: 'eval RUN_ID [--metrics name,name]' },
  sync: { run: (a) => syncCommand(a), help: 'sync [RUN_ID ...] [--uri http://host:5000] [--store runs]' },
  sweep: { run: sweepCommand, help: SWEEP_HELP },
  audit: { run: auditCommand, help: AUDIT_HELP },
  diff: { run: (a) => diffCommand(a), help: DIFF_HELP },
  score: { run: scoreCommand, help: 'score --factor-sizes 4,4,4,3,4,5 --codes codes.npy [--metrics mig,dci,sap,modularity,betavae,factorvae] [--seed 0] [--json] [dci.num_train=1000]' },
};

export function registerCommand(name: string, run: Command, help: string): void {
  COMMANDS[name] = { run, help };
}

function usage(): string {
  return `untangle: declarative disentanglement experiments\n\nusage:\n${Object.values(COMMANDS).map((c) => `  untangle ${c.help}`).join('\n')}\n`;
}

registerCommand('experiment', experimentCommand, 'experiment FILE.yaml [--force] [overrides for every stage]: run its stages in order, reusing finished ones');

/**
 * Runs one command. The registry is injected by the composition root (`bin/untangle.mjs` builds
 * it from `registry.ts`), so the framework never imports a component.
 */
export async function main(argv: string[], createRegistry: () => ComponentRegistry): Promise<number> {
  // Production mode: no per-op debug checks, and no "install tfjs-node" banner (backend selection
  // already says which backend runs and why).
  enableProdMode();
  try {
    const args = parseArgs(argv);
    if (args.command === 'help' || args.command === '--help' || args.command === '-h') {
      process.stdout.write(usage());
      return 0;
    }
    const cmd = COMMANDS[args.command];
    if (!cmd) {
      process.stderr.write(`error[cli-usage]: unknown command '${args.command}'\n${usage()}`);
      return 2;
    }
    const registry = createRegistry();
    await loadPlugins(registry);
    return await cmd.run(args, registry);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.format()}\n`);
      return 2;
    }
    // UntangleError, and the libtorch backend's LibtorchError (a kernel it lacks, mixed devices).
    if (e instanceof CodedError) {
      process.stderr.write(`${e.format()}\n`);
      return 1;
    }
    throw e;
  }
}
