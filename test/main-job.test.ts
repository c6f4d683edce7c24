import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { untangle, REPO } from './helpers/cli.ts';
import { FileStore } from '../framework/tracking/filestore.ts';

/**
 * The README's main job, shortened: the real CLI trains the β-VAE config on procedural dSprites,
 * the loss falls, and the run lands in the MLflow layout with its pictures and scores.
 */
describe('untangle run --base configs/dsprites-betavae.yaml', () => {
  it('trains a β-VAE that visibly learns and records everything', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'untangle-main-'));
    const r = untangle(['run', '--base', join(REPO, 'configs/dsprites-betavae.yaml'),
      'trainer.max_steps=60', 'data.batch_size=16', 'trainer.log_every=10', 'trainer.optimizer.params.lr=1e-3',
      'trainer.callbacks.image_logger.params.every=60',
      'eval.metrics.mig.params.num_train=1000', 'eval.metrics.beta_vae.params.num_train=20', 'eval.metrics.beta_vae.params.num_eval=20'], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^FINISHED run [0-9a-f]{32}/);

    const store = new FileStore(join(cwd, 'runs'));
    const [run] = store.searchRuns();
    const meta = parseYaml(readFileSync(join(store.runDir(run.info.runId)!, 'meta.yaml'), 'utf8')) as Record<string, unknown>;
    expect(meta.status).toBe(3);
    expect(run.params['model.target']).toBe('untangle.models.BetaVAE');

    // The Bernoulli NLL of 4096 pixels starts near 4096·ln 2 ≈ 2839 and must fall well below half.
    const loss = store.metricHistory(run.info.runId, 'train/loss').map((p) => p.value);
    expect(loss).toHaveLength(6);
    expect(loss[0]).toBeGreaterThan(1500);
    expect(loss[5]).toBeLessThan(0.5 * loss[0]);

    const mig = run.metrics['eval/mig/discrete_mig'].value;
    expect(mig).toBeGreaterThanOrEqual(0);
    expect(mig).toBeLessThanOrEqual(1);
    expect(run.metrics['eval/beta_vae/eval_accuracy']).toBeDefined();

    // Pictures: 8 inputs over their 8 reconstructions, 64×64 each with 2-pixel gutters.
    const images = readdirSync(join(store.artifactDir(run.info.runId)!, 'images/train'));
    expect(images).toContain('reconstruction_step-0000060.png');
    const png = readFileSync(join(store.artifactDir(run.info.runId)!, 'images/train/reconstruction_step-0000060.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(8 * 64 + 9 * 2);
    expect(png.readUInt32BE(20)).toBe(2 * 64 + 3 * 2);
  }, 600_000);
});
