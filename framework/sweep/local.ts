import { spawn, type ChildProcess } from 'node:child_process';
import { defineComponent } from '../registry/types.ts';
import { type Launcher, type LaunchContext, type TrialJob, type TrialExit, Tail } from './launcher.ts';

/** Exit status of `untangle run` when a signal stopped the run (it marked the run KILLED). */
const KILLED_EXIT = 130;

/**
 * Runs up to `jobs` trials at once, each as its own `node bin/untangle.mjs run ...` process with
 * one compute thread. Ctrl-C is forwarded once to every running trial (each stops after its
 * current step and marks its run KILLED); no new trial starts. A trial that crashes is reported
 * FAILED with its stderr tail and the others go on.
 */
export class LocalLauncher implements Launcher {
  readonly name = 'local';

  constructor(private readonly jobs: number) {}

  async launch(jobs: TrialJob[], ctx: LaunchContext): Promise<void> {
    const queue = [...jobs];
    const live = new Set<ChildProcess>();
    const forward = () => {
      for (const c of live) if (c.pid) signalGroup(c.pid, 'SIGINT');
    };
    ctx.signal.addEventListener('abort', forward, { once: true });
    const worker = async () => {
      while (queue.length && !ctx.signal.aborted) {
        const job = queue.shift()!;
        ctx.onStart(job);
        ctx.onExit(job, await this.runOne(job, ctx, live));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(this.jobs, jobs.length)) }, worker));
    } finally {
      ctx.signal.removeEventListener('abort', forward);
    }
  }

  private runOne(job: TrialJob, ctx: LaunchContext, live: Set<ChildProcess>): Promise<TrialExit> {
    return new Promise((resolveExit) => {
      const child = spawn(process.execPath, [ctx.bin, 'run', ...job.args], {
        cwd: ctx.cwd,
        // Its own process group: a terminal Ctrl-C reaches only the sweep, which forwards it once.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...ctx.env, ...oneThreadEnv(), UNTANGLE_RUN_TAGS: JSON.stringify(job.tags) },
      });
      live.add(child);
      const tail = new Tail();
      const prefix = `[${job.trial.id}] `;
      let pending = '';
      const onText = (chunk: Buffer, keep: boolean) => {
        const s = chunk.toString('utf8');
        if (keep) tail.push(s);
        pending += s;
        const lines = pending.split(/\r?\n|\r/);
        pending = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) ctx.log(prefix + l);
      };
      child.stdout?.on('data', (c: Buffer) => onText(c, false));
      child.stderr?.on('data', (c: Buffer) => onText(c, true));
      child.on('error', (e) => tail.push(`\nspawn failed: ${e.message}\n`));
      child.on('close', (code, sig) => {
        live.delete(child);
        const killed = code === KILLED_EXIT || sig === 'SIGINT' || sig === 'SIGTERM' || sig === 'SIGKILL';
        resolveExit({ state: code === 0 ? 'FINISHED' : killed ? 'KILLED' : 'FAILED', exitCode: code, stderrTail: tail.toString() });
      });
    });
  }
}

/** One compute thread per trial: trials run side by side, and a thread pool each would oversubscribe the cores. */
export function oneThreadEnv(): Record<string, string> {
  return { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' };
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}

export const localLauncherSpec = defineComponent({
  target: 'untangle.launchers.Local',
  kind: 'launcher',
  description: 'runs trials as local processes, up to `jobs` at a time (one compute thread each)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { jobs: { type: 'integer', minimum: 1, default: 1, description: 'trials at once (at most the number of cores)' } },
  },
  create: (p: { jobs: number }) => new LocalLauncher(p.jobs),
});
