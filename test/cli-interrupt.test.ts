import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BIN, REPO, untangle } from './helpers/cli.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { readSafetensors } from '../framework/trainer/safetensors.ts';

const ARGS = ['--base', join(REPO, 'configs/dsprites-betavae.yaml'), 'trainer.max_steps=100000', 'data.batch_size=8',
  'trainer.log_every=1', 'trainer.ckpt_every=1000000', 'trainer.progress=lines', 'eval.at_end=false', '~trainer.callbacks.image_logger'];

/** Ctrl-C during training: the step finishes, a checkpoint is written, the run is KILLED, and it resumes. */
describe('interrupting a run', () => {
  it('SIGINT checkpoints and marks KILLED; --resume continues from that step', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'untangle-int-'));
    const child = spawn(process.execPath, [BIN, 'run', ...ARGS], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const status = await new Promise<number | null>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (/step 3\//.test(err) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', (code) => resolve(code));
    });
    expect(status, err).toBe(130);
    expect(err).toMatch(/interrupted: checkpoint at step (\d+) written/);
    const stopped = Number(/checkpoint at step (\d+)/.exec(err)![1]);

    const store = new FileStore(join(cwd, 'runs'));
    const [run] = store.searchRuns();
    expect(run.info.status).toBe('KILLED');
    const ckpt = readSafetensors(join(store.artifactDir(run.info.runId)!, 'checkpoints/last.safetensors'));
    expect(Number(ckpt.metadata.step)).toBe(stopped);

    // Continue from the checkpoint for three more steps (a shorter run is a changed config: --fork).
    const target = stopped + 3;
    const refused = await untangle(['run', '--resume', run.info.runId, `trainer.max_steps=${target}`], cwd);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/config-changed[\s\S]*trainer\.max_steps: 100000 -> \d+/);
    const resumed = await untangle(['run', '--resume', run.info.runId, `trainer.max_steps=${target}`, '--fork'], cwd);
    expect(resumed.status, resumed.stderr).toBe(0);
    const fork = store.searchRuns().find((r) => r.info.runId !== run.info.runId)!;
    expect(fork.tags['untangle.forked_from']).toBe(run.info.runId);
    expect(fork.tags['untangle.forked_at_step']).toBe(String(stopped));
    expect(store.metricHistory(fork.info.runId, 'train/loss').map((p) => p.step)).toEqual([stopped + 1, stopped + 2, stopped + 3]);
  }, 300_000);
});
