import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRun } from '../framework/run/execute.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { runScope } from '../framework/registry/scope.ts';
import { Instantiator } from '../framework/registry/instantiate.ts';
import { buildSection } from '../framework/registry/build.ts';
import { defineComponent, type ComponentSpec } from '../framework/registry/types.ts';
import { BACKEND, TRACKER, type Batch, type Callback, type CallbackContext, type StepContext } from '../framework/contracts/index.ts';
import { datasetCache } from '../framework/io/dataset-cache.ts';
import { isUntangleError } from '../framework/util/errors.ts';
import { Rng } from '../framework/util/rng.ts';
import type { AudioSynth } from '../components/datasets/sequential/audio/audio-synth.ts';
import { writeTree } from './helpers/fixtures.ts';
import { TinyAE, toyTrainingRegistry, TOY_CONFIG } from './helpers/toy-components.ts';
import { recordingTracker } from './helpers/recording-tracker.ts';

const quiet = () => undefined;

/** TinyAE that also draws its input batch, so the real ImageLogger has a picture to write. */
class PictureAE extends TinyAE {
  logImages(batch: Batch, _ctx: StepContext): Record<string, tf.Tensor4D> {
    return { inputs: tf.clone(batch.x) as tf.Tensor4D };
  }
}

/** Writes which run and backend its construction context handed it, at the end of training. */
class WhoAmI implements Callback {
  constructor(private readonly tracker: { runId: string; logArtifact(rel: string, d: string): void }, private readonly backend: string) {}
  onTrainEnd(_ctx: CallbackContext): void {
    this.tracker.logArtifact('whoami.json', JSON.stringify({ runId: this.tracker.runId, backend: this.backend }));
  }
}

const PROBE_SPECS: ComponentSpec[] = [
  defineComponent({
    target: 'test.models.PictureAE', kind: 'model', description: 'tiny AE with pictures',
    schema: { type: 'object', additionalProperties: false, properties: {} },
    create: (_p: object, ctx) => new PictureAE(4, new Rng(ctx.seed), 0),
  }) as ComponentSpec,
  defineComponent({
    target: 'test.callbacks.WhoAmI', kind: 'callback', description: 'records its run services',
    schema: { type: 'object', additionalProperties: false, properties: {} },
    create: (_p: object, ctx) => new WhoAmI(ctx.resolve(TRACKER), ctx.resolve(BACKEND).name),
  }) as ComponentSpec,
];

const CONFIG = TOY_CONFIG.replace('target: test.models.TinyAE\n  params: {latent: 4, noise: 0.1}', 'target: test.models.PictureAE')
  .replace('  progress: none\n', `  progress: none
  callbacks:
    images:
      target: untangle.callbacks.ImageLogger
      params: {every: 10, max_images: 4}
    who:
      target: test.callbacks.WhoAmI
`);

describe('run-scoped services', () => {
  it('two runs in one process each get their own scope: the real ImageLogger and a probe write into their own run', async () => {
    const dir = writeTree({ 'toy.yaml': CONFIG });
    const registry = toyTrainingRegistry().registerAll(PROBE_SPECS);
    const a = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: [], cwd: dir, log: quiet });
    const b = await executeRun({ registry, baseFiles: ['toy.yaml'], overrides: ['seed=1'], cwd: dir, log: quiet });
    expect(a.status).toBe('FINISHED');
    expect(b.status).toBe('FINISHED');
    const store = new FileStore(join(dir, 'runs'));
    const dirA = store.artifactDir(a.runId)!;
    const dirB = store.artifactDir(b.runId)!;
    expect(dirA).not.toBe(dirB);
    for (const [run, artifacts] of [[a, dirA], [b, dirB]] as const) {
      // The probe was built with this run's tracker and the backend this run recorded.
      const who = JSON.parse(readFileSync(join(artifacts, 'whoami.json'), 'utf8')) as { runId: string; backend: string };
      expect(who.runId).toBe(run.runId);
      expect(who.backend).toBe(store.getRun(run.runId)!.tags['untangle.backend']);
      expect(who.backend).toBe('cpu');
      // 20 steps, every 10: pictures at steps 10 and 20, in this run's artifacts only.
      expect(readdirSync(join(artifacts, 'images/train')).sort()).toEqual(['inputs_step-0000010.png', 'inputs_step-0000020.png']);
    }
  });

  it('a component built without the service it needs fails with an error naming the token and the component', () => {
    const registry = toyTrainingRegistry();
    let err: unknown;
    try {
      new Instantiator(registry, runScope(), 0).instantiate({ target: 'untangle.callbacks.ImageLogger', params: { every: 5, max_images: 2, log_first_step: false } }, 'trainer.callbacks.images');
    } catch (e) { err = e; }
    expect(isUntangleError(err) && err.code).toBe('service-missing');
    expect(isUntangleError(err) && err.context).toMatchObject({ token: 'untangle.TRACKER', target: 'untangle.callbacks.ImageLogger', path: 'trainer.callbacks.images' });
    expect((err as Error).message).toMatch(/untangle\.callbacks\.ImageLogger.*untangle\.TRACKER/);
    // The route `untangle score` takes (buildSection, no tracked run): a picture metric is refused by name.
    expect(() => buildSection(registry, 'metric', { pictures: { target: 'untangle.metrics.SeriesPictures' } }, { rootSeed: 0, section: 'metrics' }))
      .toThrow(/untangle\.metrics\.SeriesPictures.*at 'metrics\.pictures' needs the run service untangle\.TRACKER/);
  });

  it('a scope holds only what it was given, and a sibling scope sees none of it', () => {
    const first = recordingTracker();
    const withTracker = runScope({ tracker: first });
    const bare = runScope();
    expect(withTracker.resolve(TRACKER)).toBe(first);
    expect(withTracker.isRegistered(BACKEND, true)).toBe(false);
    expect(bare.isRegistered(TRACKER, true)).toBe(false);
    // A registered ImageLogger writes into the tracker of the scope it was built in.
    const registry = toyTrainingRegistry();
    const logger = new Instantiator(registry, withTracker, 0).instantiate<Callback>({ target: 'untangle.callbacks.ImageLogger', params: { every: 1, max_images: 2, log_first_step: true } }, 'cb');
    const model = { logImages: () => ({ grid: tf.zeros([2, 3, 3, 1]) }) };
    logger.onTrainStart?.({ model, sampleBatch: {}, step: 0, rng: new Rng(0) } as unknown as CallbackContext);
    expect([...first.artifacts.keys()]).toEqual(['images/train/grid_step-0000000.png']);
  });

  it("a data set's relative cache_dir lands under the run's working directory (DATASET_CACHE), not the process's", () => {
    const cwd = mkdtempSync(join(tmpdir(), 'run-services-'));
    const registry = toyTrainingRegistry();
    const node = { target: 'untangle.datasets.AudioSynth', params: { speakers: 2, segments: 1, segment_ms: 100, n_mels: 8, noise: 0, standardize: false, cache_dir: 'wav', memory_cache: 0, seed: 0 } };
    const data = new Instantiator(registry, runScope({ datasetCache: datasetCache(cwd) }), 0).instantiate<AudioSynth>(node, 'data.train');
    const idx = data.factorsToIndex(Int32Array.from([1, 3]), 1)[0];
    tf.dispose(data.batch([idx]));
    expect(existsSync(join(cwd, 'wav', '1', `${idx}.wav`))).toBe(true);
    expect(existsSync(join(process.cwd(), 'wav'))).toBe(false);
    // Without the service, a cache_dir is an error naming DATASET_CACHE; without a cache_dir none is needed.
    expect(() => new Instantiator(registry, runScope(), 0).instantiate(node, 'data.train')).toThrow(/untangle\.DATASET_CACHE/);
    expect(() => new Instantiator(registry, runScope(), 0).instantiate({ ...node, params: { ...node.params, cache_dir: null } }, 'data.train')).not.toThrow();
  });
});
