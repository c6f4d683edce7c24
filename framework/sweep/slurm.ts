import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../registry/types.ts';
import { UntangleError } from '../util/errors.ts';
import { type Launcher, type LaunchContext, type TrialJob, type TrialExit, STDERR_TAIL_BYTES } from './launcher.ts';
import { oneThreadEnv } from './local.ts';

/** `untangle run`'s exit status after a signal stopped it. */
const KILLED_EXIT = 130;

export interface SlurmParams {
  jobs: number;
  partition: string | null;
  time: string;
  mem: string | null;
  cpus_per_task: number;
  poll_seconds: number;
  extra: string[];
}

/**
 * Submits the trials as one sbatch job array: task i runs the manifest's trial i, whose
 * arguments and tags the launcher wrote to `slurm/trials/<i>.args` and `<i>.tags.json`. It then
 * polls `sacct --parsable2` until every task is in a terminal state. Ctrl-C cancels the array.
 */
export class SlurmLauncher implements Launcher {
  readonly name = 'slurm';

  constructor(private readonly p: SlurmParams) {}

  async launch(jobs: TrialJob[], ctx: LaunchContext): Promise<void> {
    if (!jobs.length) return;
    const dir = join(ctx.workDir, 'slurm');
    const script = writeArrayJob(dir, jobs, ctx, this.p);
    // Job ids restart when a cluster's state is reset while its accounting database keeps the
    // old jobs: only look at jobs from (just before) this submission.
    const since = slurmTime(new Date(Date.now() - 60_000));
    const out = runTool('sbatch', ['--parsable', script], ctx.cwd);
    const jobId = parseSbatchJobId(out);
    ctx.log(`submitted Slurm job array ${jobId} (${jobs.length} task(s))`);
    const byIndex = new Map(jobs.map((j) => [j.index, j]));
    const started = new Set<number>();
    const done = new Set<number>();
    // Ctrl-C: drop the tasks not started yet, and SIGINT the running ones (untangle run then
    // checkpoints, marks its run KILLED and exits 130, which collection maps back to KILLED).
    const cancel = () => {
      for (const args of [['--state=PENDING', jobId], ['--signal=INT', '--full', jobId]]) {
        try {
          runTool('scancel', args, ctx.cwd);
        } catch (e) {
          ctx.log(`scancel failed: ${(e as Error).message}`);
        }
      }
    };
    ctx.signal.addEventListener('abort', cancel, { once: true });
    try {
      while (done.size < jobs.length) {
        await sleep(this.p.poll_seconds * 1000);
        const rows = parseSacct(runTool('sacct', ['-j', jobId, `--starttime=${since}`, '--parsable2', '--noheader', '--format=JobID,State,ExitCode'], ctx.cwd), jobId);
        for (const r of rows) {
          const job = byIndex.get(r.index);
          if (!job || done.has(r.index)) continue;
          if (!started.has(r.index) && r.state !== 'PENDING') { started.add(r.index); ctx.onStart(job); }
          const state = r.exitCode === KILLED_EXIT && r.state === 'FAILED' ? 'KILLED' : terminalState(r.state);
          if (!state) continue;
          if (!started.has(r.index)) { started.add(r.index); ctx.onStart(job); }
          done.add(r.index);
          ctx.onExit(job, { state, exitCode: r.exitCode, stderrTail: readTail(join(dir, `slurm-${jobId}_${r.index}.err`)) });
        }
      }
    } finally {
      ctx.signal.removeEventListener('abort', cancel);
    }
  }
}

/** Writes the per-task files and the array script; returns the script's path. */
export function writeArrayJob(dir: string, jobs: TrialJob[], ctx: Pick<LaunchContext, 'cwd' | 'bin' | 'env'>, p: SlurmParams): string {
  mkdirSync(join(dir, 'trials'), { recursive: true });
  for (const j of jobs) {
    // One argument per line: overrides hold no newlines (the override grammar is one token each).
    writeFileSync(join(dir, 'trials', `${j.index}.args`), `${j.args.join('\n')}\n`);
    writeFileSync(join(dir, 'trials', `${j.index}.tags.json`), JSON.stringify(j.tags));
  }
  const env = { ...oneThreadEnv(), ...ctx.env };
  const indices = jobs.map((j) => j.index).sort((a, b) => a - b);
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=untangle-${jobs[0].tags['untangle.sweep_id'] ?? 'sweep'}`,
    `#SBATCH --array=${compressIndices(indices)}${p.jobs > 0 ? `%${p.jobs}` : ''}`,
    `#SBATCH --cpus-per-task=${p.cpus_per_task}`,
    `#SBATCH --time=${p.time}`,
    ...(p.mem ? [`#SBATCH --mem=${p.mem}`] : []),
    `#SBATCH --chdir=${ctx.cwd}`,
    `#SBATCH --output=${join(dir, 'slurm-%A_%a.out')}`,
    `#SBATCH --error=${join(dir, 'slurm-%A_%a.err')}`,
    ...(p.partition ? [`#SBATCH --partition=${p.partition}`] : []),
    ...p.extra.map((e) => `#SBATCH ${e}`),
    'set -euo pipefail',
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `TRIALS=${shellQuote(join(dir, 'trials'))}`,
    'mapfile -t ARGS < "$TRIALS/$SLURM_ARRAY_TASK_ID.args"',
    'export UNTANGLE_RUN_TAGS="$(cat "$TRIALS/$SLURM_ARRAY_TASK_ID.tags.json")"',
    `exec ${shellQuote(process.execPath)} ${shellQuote(ctx.bin)} run "\${ARGS[@]}"`,
    '',
  ];
  const script = join(dir, 'sweep.sbatch');
  writeFileSync(script, lines.join('\n'), { mode: 0o755 });
  return script;
}

/** `0,1,2,5,7,8` → `0-2,5,7-8` (sbatch --array syntax). */
export function compressIndices(sorted: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatchJobId(out: string): string {
  const id = out.trim().split('\n').pop()?.split(';')[0].trim() ?? '';
  if (!/^\d+$/.test(id)) throw new UntangleError('slurm-submit', `sbatch did not print a job id: '${out.trim()}'`, {});
  return id;
}

export interface SacctRow { index: number; state: string; exitCode: number | null }

/**
 * `sacct -j ID --parsable2 --noheader --format=JobID,State,ExitCode` lines:
 *   `123_4|COMPLETED|0:0`, `123_4.batch|COMPLETED|0:0` (steps: skipped), `123_[5-7%2]|PENDING|0:0`
 *   (pending tasks not yet split: each index in the range), `CANCELLED by 0` (state with a reason).
 */
export function parseSacct(out: string, jobId: string): SacctRow[] {
  const rows: SacctRow[] = [];
  for (const line of out.split('\n')) {
    const [id, stateRaw, exit] = line.trim().split('|');
    if (!id || !stateRaw || !id.startsWith(`${jobId}_`) || id.includes('.')) continue;
    const state = stateRaw.split(' ')[0];
    const code = exit && /^\d+:\d+$/.test(exit) ? Number(exit.split(':')[0]) : null;
    const rest = id.slice(jobId.length + 1);
    const m = /^\[(.*)\]$/.exec(rest);
    if (m) {
      for (const part of m[1].split('%')[0].split(',')) {
        const [a, b] = part.split('-').map(Number);
        for (let i = a; i <= (Number.isFinite(b) ? b : a); i++) rows.push({ index: i, state, exitCode: code });
      }
    } else if (/^\d+$/.test(rest)) rows.push({ index: Number(rest), state, exitCode: code });
  }
  return rows;
}

/** Slurm job states → trial states; null while the task is still pending or running. */
export function terminalState(state: string): TrialExit['state'] | null {
  if (state === 'COMPLETED') return 'FINISHED';
  if (state === 'CANCELLED' || state === 'PREEMPTED') return 'KILLED';
  if (['FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE'].includes(state)) return 'FAILED';
  return null;
}

function runTool(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new UntangleError('slurm-command', `${cmd} ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`, { cmd }, `is Slurm installed and ${cmd} on PATH?`);
  }
}

function readTail(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').slice(-STDERR_TAIL_BYTES) : '';
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Slurm's local-time format, YYYY-MM-DDTHH:MM:SS. */
function slurmTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const slurmLauncherSpec = defineComponent({
  target: 'untangle.launchers.Slurm',
  kind: 'launcher',
  description: 'submits trials as one sbatch job array and collects them with sacct',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      jobs: { type: 'integer', minimum: 0, default: 0, description: 'array throttle (%N); 0: no limit' },
      partition: { type: ['string', 'null'], default: null },
      time: { type: 'string', default: '24:00:00' },
      mem: { type: ['string', 'null'], default: null, description: 'per task, e.g. 4G (default: the cluster default)' },
      cpus_per_task: { type: 'integer', minimum: 1, default: 1 },
      poll_seconds: { type: 'number', exclusiveMinimum: 0, default: 10 },
      extra: { type: 'array', items: { type: 'string' }, default: [], description: 'more #SBATCH lines, e.g. --gres=gpu:1' },
    },
  },
  create: (p: SlurmParams) => new SlurmLauncher(p),
});
