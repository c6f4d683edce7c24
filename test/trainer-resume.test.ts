import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { executeRun } from '../framework/run/execute.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { readSafetensors } from '../framework/trainer/safetensors.ts';
import { UntangleError } from '../framework/util/errors.ts';
import { writeTree } from './helpers/fixtures.ts';
import { toyTrainingRegistry, TOY_CONFIG } from './helpers/toy-components.ts';

const quiet = () => undefined;

function metricLines(store: FileStore, runId: string, key: string): string[] {
  return store.metricHistory(runId, key).map((p) => `${p.step} ${p.value}`);
}

describe('generic trainer', () => {
  it('a run interrupted and resumed reproduces the uninterrupted run exactly', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const registry = toyTrainingRegistry();
    const straight = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: [], cwd: dir, log: quiet });
    expect(straight.status).toBe('FINISHED');

    // First half: stop after 10 steps (max_steps=10 changes the config hash, so continue with --fork).
    const half = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: ['trainer.max_steps=10'], cwd: dir, log: quiet });
    await expect(executeRun({ registry, baseFiles: ['toy.yaml'], overrides: [], resume: half.runId, cwd: dir, log: quiet }))
      .rejects.toMatchObject({ code: 'config-changed' });
    const resumed = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: [], resume: half.runId, fork: true, cwd: dir, log: quiet });
    expect(resumed.fit.steps).toBe(20);

    const store = new FileStore(join(dir, 'runs'));
    const a = metricLines(store, straight.runId, 'train/loss');
    const b = [...metricLines(store, half.runId, 'train/loss'), ...metricLines(store, resumed.runId, 'train/loss')];
    expect(a).toHaveLength(4);
    expect(b).toEqual(a);
    const wa = readSafetensors(join(store.artifactDir(straight.runId)!, 'checkpoints/last.safetensors')).tensors;
    const wb = readSafetensors(join(store.artifactDir(resumed.runId)!, 'checkpoints/last.safetensors')).tensors;
    for (const [k, t] of wa) expect(Array.from(wb.get(k)!.data)).toEqual(Array.from(t.data));
    expect(store.getRun(resumed.runId)!.tags['untangle.forked_from']).toBe(half.runId);
  });

  it('resumes the same run in place from its last checkpoint', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const registry = toyTrainingRegistry();
    const full = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: [], cwd: dir, log: quiet });
    const store = new FileStore(join(dir, 'runs'));
    // Continuing a finished run with the same config is a no-op loop that re-finishes it.
    const again = await executeRun({ registry, baseFiles: [], overrides: [], resume: full.runId, cwd: dir, log: quiet });
    expect(again.runId).toBe(full.runId);
    expect(again.fit.steps).toBe(20);
    // No step ran, so there is no loss to report (the CLI says so instead of printing NaN).
    expect(full.fit.lastLoss).toEqual(expect.any(Number));
    expect(again.fit.lastLoss).toBeNull();
    expect(metricLines(store, full.runId, 'train/loss')).toHaveLength(4);
  });

  it('finds a run to resume in another store with --store', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const registry = toyTrainingRegistry();
    const first = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: ['tracking.uri=elsewhere'], cwd: dir, log: quiet });
    await expect(executeRun({ registry, baseFiles: [], overrides: [], resume: first.runId, cwd: dir, log: quiet }))
      .rejects.toMatchObject({ code: 'run-not-found' });
    const again = await executeRun({ registry, baseFiles: [], overrides: [], resume: first.runId, store: 'elsewhere', cwd: dir, log: quiet });
    expect(again.runId).toBe(first.runId);
    expect(new FileStore(join(dir, 'elsewhere')).getRun(first.runId)!.tags['untangle.resumed']).toMatch(/^\d+$/);
  });

  it('a run that died after its last checkpoint resumes in place without logging any step twice', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const registry = toyTrainingRegistry();
    const layout = ['trainer.ckpt_every=10'];
    const straight = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: layout, cwd: dir, log: quiet });
    // Dies at step 15: losses for 5, 10 and 15 are logged, the checkpoint holds step 10.
    const crash = [...layout, `+trainer.callbacks.crash={target: test.callbacks.CrashOnce, params: {at_step: 15, token: '${dir}'}}`];
    await expect(executeRun({ registry, baseFiles: ['toy.yaml'], overrides: crash, cwd: dir, log: quiet })).rejects.toThrow(/simulated crash at step 15/);
    const store = new FileStore(join(dir, 'runs'));
    const died = store.searchRuns().find((r) => r.info.runId !== straight.runId)!;
    expect(died.info.status).toBe('FAILED');
    expect(store.metricHistory(died.info.runId, 'train/loss').map((p) => p.step)).toEqual([5, 10, 15]);

    const resumed = await executeRun({ registry, baseFiles: [], overrides: [], resume: died.info.runId, cwd: dir, log: quiet });
    expect(resumed.runId).toBe(died.info.runId);
    expect(resumed.status).toBe('FINISHED');
    expect(metricLines(store, died.info.runId, 'train/loss')).toEqual(metricLines(store, straight.runId, 'train/loss'));
    expect(store.metricHistory(died.info.runId, 'train/lr').map((p) => p.step)).toEqual([5, 10, 15, 20]);
  });

  it('a NaN loss stops with a clear error, keeps the last good checkpoint and marks the run FAILED', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const registry = toyTrainingRegistry();
    const err = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: ['data.train.params.poison=true'], cwd: dir, log: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntangleError);
    expect((err as UntangleError).code).toBe('non-finite-loss');
    const store = new FileStore(join(dir, 'runs'));
    const [run] = store.searchRuns();
    expect(run.info.status).toBe('FAILED');
    expect(readFileSync(join(store.artifactDir(run.info.runId)!, 'error.txt'), 'utf8')).toMatch(/loss became NaN at step 0/);
  });

  it('records config, overrides, seeds, fingerprint and dataset with the run', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const out = await executeRun({ registry: toyTrainingRegistry(), baseFiles: ['toy.yaml'], overrides: ['seed=7'], cwd: dir, log: quiet });
    const store = new FileStore(join(dir, 'runs'));
    const rec = store.getRun(out.runId)!;
    expect(rec.params['model.params.latent']).toBe('4');
    expect(rec.params['trainer.optimizer.params.lr']).toBe('0.01');
    expect(rec.tags['untangle.config_sha256']).toBe(out.configHash);
    expect(rec.tags['untangle.seed']).toBe('7');
    expect(rec.tags['untangle.seed.model']).toMatch(/^\d+$/);
    expect(rec.tags['untangle.dataset.digest']).toBe('bars-v1');
    expect(rec.tags['untangle.backend']).toBe('cpu');
    expect(rec.tags['mlflow.runName']).toBe('toy');
    const art = store.artifactDir(out.runId)!;
    expect(readFileSync(join(art, 'config/overrides.txt'), 'utf8')).toBe('seed=7\n');
    expect(readFileSync(join(art, 'config/sha256'), 'utf8').trim()).toBe(out.configHash);
    expect(existsSync(join(art, 'config/resolved.yaml'))).toBe(true);
    expect(readdirSync(join(art, 'config/layers'))).toEqual(['00-toy.yaml']);
    expect(JSON.parse(readFileSync(join(art, 'seeds.json'), 'utf8')).root).toBe(7);
    // A picture per learning curve (not of the bookkeeping series), as a 640×400 PNG.
    expect(readdirSync(join(art, 'curves')).sort()).toEqual(['train__loss.png', 'train__lr.png', 'train__mse.png']);
    const png = readFileSync(join(art, 'curves/train__loss.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 400]);
  });

  it('clips gradients by global norm and keeps an EMA of the weights when asked', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const out = await executeRun({ registry: toyTrainingRegistry(), baseFiles: ['toy.yaml'], overrides: ['trainer.grad_clip=0.001', 'trainer.ema.enabled=true', 'trainer.ema.decay=0.5'], cwd: dir, log: quiet });
    const store = new FileStore(join(dir, 'runs'));
    const norms = store.metricHistory(out.runId, 'train/grad_norm').map((p) => p.value);
    expect(norms).toHaveLength(4);
    for (const n of norms) expect(n).toBeGreaterThan(0.001);
    const ckpt = readSafetensors(join(store.artifactDir(out.runId)!, 'checkpoints/last.safetensors')).tensors;
    const emaKeys = [...ckpt.keys()].filter((k) => k.startsWith('ema/'));
    expect(emaKeys).toContain('ema/shadow/enc.weight');
    // With a tiny clip the weights barely move, so the EMA stays close to them but is not equal.
    const w = ckpt.get('model/enc.weight')!.data;
    const e = ckpt.get('ema/shadow/enc.weight')!.data;
    expect(Array.from(e)).not.toEqual(Array.from(w));
  });
});
