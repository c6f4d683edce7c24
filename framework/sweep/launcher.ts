import type { ComponentRegistry } from '../registry/registry.ts';
import type { ComponentNode } from '../registry/types.ts';
import { buildSection } from '../registry/build.ts';
import type { Trial } from './trials.ts';

/** What a trial ended as (MLflow run statuses). */
export type TrialState = 'PENDING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

/** One trial to execute: `untangle run <args>` with `tags` on the run it creates. */
export interface TrialJob {
  trial: Trial;
  /** Position of the trial in the sweep manifest (the Slurm array index). */
  index: number;
  /** Arguments after `untangle run`: --base files, fixed overrides, the trial's overrides. */
  args: string[];
  tags: Record<string, string>;
  /** Unique per attempt: finds the run the attempt created (`untangle.trial_attempt`). */
  attempt: string;
}

export interface TrialExit {
  state: Exclude<TrialState, 'PENDING' | 'RUNNING'>;
  exitCode: number | null;
  /** The last few KB of the trial's stderr. */
  stderrTail: string;
}

export interface LaunchContext {
  cwd: string;
  /** The untangle executable (bin/untangle.mjs). */
  bin: string;
  /** A directory the launcher may write scripts and logs to (the sweep run's artifacts). */
  workDir: string;
  log: (line: string) => void;
  /** Aborted on Ctrl-C: stop starting trials and interrupt the running ones. */
  signal: AbortSignal;
  onStart: (job: TrialJob) => void;
  onExit: (job: TrialJob, exit: TrialExit) => void;
  /** Environment for the trials (tests add UNTANGLE_PLUGINS here). */
  env?: Record<string, string>;
}

/** A way to execute trials: resolves once every job has exited (or was killed). */
export interface Launcher {
  readonly name: string;
  launch(jobs: TrialJob[], ctx: LaunchContext): Promise<void>;
}

export const STDERR_TAIL_BYTES = 4000;

/** Keeps the last `max` characters of a stream. */
export class Tail {
  private text = '';
  constructor(private readonly max = STDERR_TAIL_BYTES) {}
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.max);
  }
  toString(): string {
    return this.text;
  }
}

/** Validates a `{target, params}` launcher node (defaults filled) and builds it. */
export function buildLauncher(registry: ComponentRegistry, node: ComponentNode): Launcher {
  return buildSection<Launcher>(registry, 'launcher', { launcher: node }, { rootSeed: 0 }).built.launcher;
}
