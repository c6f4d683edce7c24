import { describe, it, expect } from 'vitest';
import { defineComponent } from '../framework/registry/types.ts';
import { runStages } from '../framework/experiment/stages.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { loadModuleFromCheckpoint } from '../components/models/autoencoder/first-stage.ts';
import { Rng } from '../framework/util/rng.ts';
import { ConfigError } from '../framework/config/issues.ts';
import { writeTree } from './helpers/fixtures.ts';
import { untangle } from './helpers/cli.ts';
import { toyTrainingRegistry, TinyAE, TOY_CONFIG } from './helpers/toy-components.ts';
import { join } from 'node:path';

const quiet = () => undefined;

/** The toy registry plus a model that starts from an upstream run's checkpoint (a chained stage). */
function chainedRegistry() {
  const r = toyTrainingRegistry();
  r.register(defineComponent({
    target: 'test.models.TinyAEFrom', kind: 'model', description: 'TinyAE initialised from a checkpoint',
    schema: { type: 'object', additionalProperties: false, required: ['ckpt'], properties: { ckpt: { type: 'string' } } },
    create: (p: { ckpt: string }, ctx) => {
      const m = new TinyAE(4, new Rng(ctx.seed), 0.1);
      loadModuleFromCheckpoint(m, p.ckpt);
      return m;
    },
  }));
  return r;
}

const STAGE_A = `name: toy-a\n${TOY_CONFIG}`;
const STAGE_B = `name: toy-b\n${TOY_CONFIG.replace('target: test.models.TinyAE\n  params: {latent: 4, noise: 0.1}', 'target: test.models.TinyAEFrom\n  params: {ckpt: "${run:toy-a}"}')}`;
const EXPERIMENT = `name: chain
stages:
  - name: first
    base: [configs/a.yaml]
  - name: second
    base: [configs/b.yaml]
`;

describe('untangle experiment: stage chaining', () => {
  it('runs stages in order, reuses finished ones with the same config, retrains with --force', async () => {
    const dir = writeTree({ 'configs/a.yaml': STAGE_A, 'configs/b.yaml': STAGE_B, 'experiments/chain.yaml': EXPERIMENT });
    const registry = chainedRegistry();
    const first = await runStages({ registry, file: 'experiments/chain.yaml', cwd: dir, log: quiet });
    expect(first.map((o) => [o.stage, o.runName, o.action])).toEqual([['first', 'toy-a', 'trained'], ['second', 'toy-b', 'trained']]);
    const store = new FileStore(join(dir, 'runs'));
    expect(store.getRun(first[1].runId)!.tags['untangle.stage']).toBe('second');
    // Stage b's recorded config names stage a's checkpoint.
    expect(store.getRun(first[1].runId)!.params['model.params.ckpt']).toContain(first[0].runId);

    const again = await runStages({ registry, file: 'experiments/chain.yaml', cwd: dir, log: quiet });
    expect(again.map((o) => o.action)).toEqual(['reused', 'reused']);
    expect(again.map((o) => o.runId)).toEqual(first.map((o) => o.runId));
    expect(store.searchRuns()).toHaveLength(2);

    const forced = await runStages({ registry, file: 'experiments/chain.yaml', cwd: dir, log: quiet, force: true });
    expect(forced.map((o) => o.action)).toEqual(['trained', 'trained']);
    expect(forced[0].runId).not.toBe(first[0].runId);
    // The retrained stage b reads the new stage a's checkpoint.
    expect(store.getRun(forced[1].runId)!.params['model.params.ckpt']).toContain(forced[0].runId);
    expect(store.searchRuns()).toHaveLength(4);
  });

  it('a missing upstream run is a config error naming the run to train', async () => {
    const dir = writeTree({ 'configs/b.yaml': STAGE_B, 'experiments/only-b.yaml': 'stages:\n  - name: second\n    base: [configs/b.yaml]\n' });
    const err = await runStages({ registry: chainedRegistry(), file: 'experiments/only-b.yaml', cwd: dir, log: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).format()).toMatch(/no run named 'toy-a'/);
  });

  it('through the CLI: the DisDiff stage without its LDM run exits 2 with the resolver error', async () => {
    const dir = writeTree({ 'experiments/dis.yaml': `stages:\n  - name: disdiff\n    base: [${join(process.cwd(), 'configs/shapes3d-dis.yaml')}]\n` });
    const r = await untangle(['experiment', 'experiments/dis.yaml'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no run named 'shapes3d-ldm'/);
    const bad = await untangle(['experiment', 'nope.yaml'], dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/experiment file not found/);
  });
});
