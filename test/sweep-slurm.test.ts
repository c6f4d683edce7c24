import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, existsSync, mkdtempSync } from 'node:fs';
import { join, delimiter } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { runSweep } from '../framework/sweep/run.ts';
import { specFromArgs } from '../framework/sweep/spec.ts';
import { parseSacct, parseSbatchJobId, compressIndices, terminalState } from '../framework/sweep/slurm.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { REPO } from './helpers/cli.ts';
import { sweepRegistry, sweepProject, PLUGIN_ENV } from './helpers/sweep-fixture.ts';

/**
 * The Slurm launcher against a real single-node cluster when one answers (start it with
 * test/helpers/slurm-single-node.sh, as root), else against fake sbatch/sacct/scancel that run
 * the generated array script for real and print sacct's --parsable2 format.
 */
const realSlurm = process.env.UNTANGLE_SLURM === 'real'
  || (process.env.UNTANGLE_SLURM !== 'fake' && spawnSync('sacct', ['--noheader', '-S', 'now'], { timeout: 5000 }).status === 0);
const quiet = () => undefined;
const SLURM = { target: 'untangle.launchers.Slurm', params: { poll_seconds: 0.3, time: '00:10:00' } };

describe('sacct and sbatch output parsing', () => {
  it('reads array tasks, skips steps, expands pending ranges, keeps exit codes', () => {
    // Lines as slurm-wlm 22.05 prints them (checked on a single-node cluster here).
    const out = ['7_0|COMPLETED|0:0', '7_0.batch|COMPLETED|0:0', '7_1|FAILED|3:0', '7_1.batch|FAILED|3:0', '7_2|CANCELLED by 0|0:0', '7_[3-5,8%2]|PENDING|0:0', '70_1|COMPLETED|0:0', ''].join('\n');
    expect(parseSacct(out, '7')).toEqual([
      { index: 0, state: 'COMPLETED', exitCode: 0 },
      { index: 1, state: 'FAILED', exitCode: 3 },
      { index: 2, state: 'CANCELLED', exitCode: 0 },
      { index: 3, state: 'PENDING', exitCode: 0 }, { index: 4, state: 'PENDING', exitCode: 0 }, { index: 5, state: 'PENDING', exitCode: 0 },
      { index: 8, state: 'PENDING', exitCode: 0 },
    ]);
    expect(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'RUNNING', 'PENDING'].map(terminalState)).toEqual(['FINISHED', 'FAILED', 'KILLED', 'FAILED', 'FAILED', null, null]);
    expect(parseSbatchJobId('4242\n')).toBe('4242');
    expect(parseSbatchJobId('4242;cluster\n')).toBe('4242');
    expect(() => parseSbatchJobId('sbatch: error: Batch job submission failed')).toThrow(/did not print a job id/);
    expect(compressIndices([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(compressIndices([3])).toBe('3');
  });
});

describe(`Slurm launcher (${realSlurm ? 'real single-node Slurm' : 'fake sbatch/sacct'})`, () => {
  const saved = { PATH: process.env.PATH, FAKE_SLURM_STATE: process.env.FAKE_SLURM_STATE };
  beforeAll(() => {
    if (realSlurm) return;
    process.env.PATH = `${join(REPO, 'test', 'helpers', 'fake-slurm')}${delimiter}${process.env.PATH}`;
    process.env.FAKE_SLURM_STATE = mkdtempSync(join(tmpdir(), 'fake-slurm-'));
  });
  afterAll(() => {
    process.env.PATH = saved.PATH;
    if (saved.FAKE_SLURM_STATE === undefined) delete process.env.FAKE_SLURM_STATE;
    else process.env.FAKE_SLURM_STATE = saved.FAKE_SLURM_STATE;
  });

  it('submits one array task per trial, collects states with sacct, and re-submits only the failed trial', async () => {
    const dir = sweepProject();
    const spec = specFromArgs(['toy.yaml'], ['model.params.latent=2,3,4'], SLURM);
    const registry = sweepRegistry();
    const first = await runSweep({ registry, spec, cwd: dir, log: quiet, env: { ...PLUGIN_ENV, UNTANGLE_TEST_CRASH_LATENT: '3' } });
    expect(first.trials.map((t) => [t.overrides['model.params.latent'], t.state])).toEqual([[2, 'FINISHED'], [3, 'FAILED'], [4, 'FINISHED']]);
    expect(first.status).toBe('FAILED');
    const store = new FileStore(join(dir, 'runs'));
    const art = store.artifactDir(first.parentRunId)!;
    const script = readFileSync(join(art, 'slurm', 'sweep.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-2\n');
    expect(script).toContain('#SBATCH --cpus-per-task=1\n');
    expect(script).toContain(`#SBATCH --chdir=${dir}\n`);
    expect(script).toContain('export OMP_NUM_THREADS=1\n');
    expect(script).toContain('mapfile -t ARGS < "$TRIALS/$SLURM_ARRAY_TASK_ID.args"');
    // The array index is the trial's position in the manifest.
    expect(readFileSync(join(art, 'slurm', 'trials', '1.args'), 'utf8')).toBe('--base\ntoy.yaml\nmodel.params.latent=3\n');
    const tags = JSON.parse(readFileSync(join(art, 'slurm', 'trials', '1.tags.json'), 'utf8')) as Record<string, string>;
    expect(tags).toMatchObject({ 'mlflow.parentRunId': first.parentRunId, 'untangle.trial_id': first.trials[1].id, 'untangle.override.model.params.latent': '3' });
    const bad = first.trials[1];
    expect(bad.error).toContain('crashing on purpose (latent=3)');
    expect(store.getRun(bad.runId!)!.info.status).toBe('FAILED');
    for (const t of first.trials) expect(store.getRun(t.runId!)!.tags['mlflow.parentRunId']).toBe(first.parentRunId);

    const again = await runSweep({ registry, spec, cwd: dir, log: quiet, env: PLUGIN_ENV });
    expect(again.launched).toEqual([bad.id]);
    expect(again.status).toBe('FINISHED');
    expect(readFileSync(join(art, 'slurm', 'sweep.sbatch'), 'utf8')).toContain('#SBATCH --array=1\n');
    expect(existsSync(join(art, 'slurm', 'trials', '1.args'))).toBe(true);
  });
});
