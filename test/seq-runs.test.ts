import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { executeRun } from '../framework/run/execute.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { createRegistry } from '../registry.ts';
import { writeTree } from './helpers/fixtures.ts';
import { UntangleError } from '../framework/util/errors.ts';

const quiet = () => undefined;

const JUDGE = `name: tiny-judge
model:
  target: untangle.models.SequenceJudge
  params: {width: 4, embed: 16, hidden: 8}
loss:
  target: untangle.losses.CrossEntropy
data:
  batch_size: 4
  train:
    target: untangle.datasets.Sprites
    params: {frames: 4}
trainer:
  max_steps: 6
  log_every: 3
  ckpt_every: 6
  progress: none
  optimizer: {target: untangle.optim.Adam, params: {lr: 0.003}}
runtime: {backend: wasm}
`;

const DSVAE = `name: tiny-dsvae
model:
  target: untangle.models.DSVAE
  params: {frames: 4, f_dim: 4, z_dim: 3, hidden_dim: 16, conv_dim: 16, width: 4}
loss:
  target: untangle.losses.SequentialELBO
  params: {likelihood: mse}
data:
  batch_size: 4
  train:
    target: untangle.datasets.Sprites
    params: {frames: 4}
trainer:
  max_steps: 20
  log_every: 4
  ckpt_every: 20
  progress: none
  optimizer: {target: untangle.optim.Adam, params: {lr: 0.01}}
eval:
  batch_size: 4
  metrics:
    swap:
      target: untangle.metrics.SwapAccuracy
      params: {judge: '\${run:tiny-judge}', n_samples: 8}
runtime: {backend: wasm}
`;

describe('sequential runs through the generic trainer', () => {
  it('a tiny DSVAE trains on Sprites with falling loss and is scored by a judge trained as its own run', async () => {
    const dir = writeTree({ 'judge.yaml': JUDGE, 'dsvae.yaml': DSVAE });
    const registry = createRegistry();
    // The judge must exist first: ${run:tiny-judge} is a config error until it has finished.
    const early = await executeRun({ registry, baseFiles: ['dsvae.yaml'], overrides: [], cwd: dir, log: quiet }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(UntangleError);
    expect((early as UntangleError).format()).toMatch(/no run named 'tiny-judge'/);
    const judge = await executeRun({ registry, baseFiles: ['judge.yaml'], overrides: [], cwd: dir, log: quiet });
    expect(judge.status).toBe('FINISHED');
    const run = await executeRun({ registry, baseFiles: ['dsvae.yaml'], overrides: [], cwd: dir, log: quiet });
    expect(run.status).toBe('FINISHED');
    const store = new FileStore(join(dir, 'runs'));
    const losses = store.metricHistory(run.runId, 'train/loss').map((p) => p.value);
    expect(losses.length).toBeGreaterThanOrEqual(5);
    expect(losses[losses.length - 1]).toBeLessThan(0.85 * losses[0]);
    for (const term of ['train/recon', 'train/kl_f', 'train/kl_z']) expect(store.metricHistory(run.runId, term).length).toBeGreaterThan(0);
    for (const key of ['data_static_acc', 'recon_dynamic_acc', 'stat_static_acc', 'dyn_dynamic_acc', 'dyn_is', 'dyn_h_y', 'swap_static_acc']) {
      const h = store.metricHistory(run.runId, `eval/swap/${key}`);
      expect(h.length, key).toBe(1);
      expect(Number.isFinite(h[0].value)).toBe(true);
    }
    const dynIs = store.metricHistory(run.runId, 'eval/swap/dyn_is')[0].value;
    expect(dynIs).toBeGreaterThanOrEqual(1 - 1e-6);
    expect(dynIs).toBeLessThanOrEqual(9 + 1e-6);
    expect(existsSync(join(store.artifactDir(run.runId)!, 'eval/swap/swap.png'))).toBe(true);
  }, 90_000);
});
