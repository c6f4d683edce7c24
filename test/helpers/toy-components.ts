import * as tf from '@tensorflow/tfjs-core';
import { ComponentRegistry } from '../../framework/registry/registry.ts';
import { defineComponent, type ComponentSpec } from '../../framework/registry/types.ts';
import type { Model, Loss, Outputs, StepContext, LossTerms, Callback, StepInfo } from '../../framework/contracts/index.ts';
import type { Batch, GroundTruthDataset } from '../../framework/contracts/index.ts';
import { Module, Linear } from '../../components/nn/index.ts';
import { Rng } from '../../framework/util/rng.ts';
import { ALL_SPECS } from '../../registry.ts';
import { normalNoise } from '../../components/nn/gaussian-noise.ts';

/**
 * A 2-factor "bar" data set (8×8: a horizontal bar at row f0, a vertical one at column f1) and a
 * small autoencoder: enough to exercise the trainer's mechanics quickly, with every real
 * component also registered.
 */
export class Bars implements GroundTruthDataset {
  readonly factorNames = ['row', 'col'];
  readonly factorSizes = [8, 8];
  readonly size = 64;
  readonly elementSpec = { x: [8, 8, 1] };

  constructor(private readonly poison = false) {}

  sampleFactors(n: number, rng: Rng): Int32Array {
    const f = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) { f[2 * i] = rng.int(8); f[2 * i + 1] = rng.int(8); }
    return f;
  }
  observationsFromFactors(f: Int32Array, n: number): tf.Tensor {
    const px = new Float32Array(n * 64);
    for (let i = 0; i < n; i++) for (let k = 0; k < 8; k++) {
      px[i * 64 + f[2 * i] * 8 + k] = 1;
      px[i * 64 + k * 8 + f[2 * i + 1]] = 1;
    }
    if (this.poison) px[0] = NaN;
    return tf.tensor4d(px, [n, 8, 8, 1]);
  }
  indexToFactors(idx: ArrayLike<number>): Int32Array {
    const f = new Int32Array(2 * idx.length);
    for (let i = 0; i < idx.length; i++) { f[2 * i] = Math.floor(idx[i] / 8); f[2 * i + 1] = idx[i] % 8; }
    return f;
  }
  factorsToIndex(f: Int32Array, n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = f[2 * i] * 8 + f[2 * i + 1];
    return out;
  }
  batch(indices: ArrayLike<number>): Batch {
    const f = this.indexToFactors(indices);
    return { x: this.observationsFromFactors(f, indices.length), factors: tf.tensor2d(f, [indices.length, 2], 'int32') };
  }
  fingerprint() {
    return { name: 'bars', digest: this.poison ? 'poisoned' : 'bars-v1', source: 'procedural:test-bars' };
  }
}

export class TinyAE extends Module implements Model {
  private readonly enc: Linear;
  private readonly dec: Linear;

  constructor(latent: number, rng: Rng, private readonly noise: number) {
    super();
    this.enc = this.child('enc', new Linear(64, latent, rng));
    this.dec = this.child('dec', new Linear(latent, 64, rng));
  }
  forward(batch: Batch, ctx: StepContext): Outputs {
    const x = tf.reshape(batch.x, [batch.x.shape[0], 64]);
    const z = this.enc.forward(x);
    const noisy = this.noise > 0 ? tf.add(z, tf.mul(this.noise, normalNoise(z.shape, ctx.rng))) : z;
    return { recon: this.dec.forward(noisy), target: x };
  }
  represent(x: tf.Tensor): tf.Tensor2D {
    return this.enc.forward(tf.reshape(x, [x.shape[0], 64])) as tf.Tensor2D;
  }
}

class MseLoss implements Loss {
  compute(_b: Batch, out: Outputs): LossTerms {
    const mse = tf.mean(tf.squaredDifference(out.recon, out.target)) as tf.Scalar;
    return { total: mse, terms: { mse } };
  }
}

/**
 * Stands in for a process killed mid-run: throws once at `at_step` for each `token` (the resumed
 * run, built from the same config, passes that step).
 */
class CrashOnce implements Callback {
  static readonly crashed = new Set<string>();
  constructor(private readonly atStep: number, private readonly token: string) {}
  onStepEnd(info: StepInfo): void {
    if (info.step !== this.atStep || CrashOnce.crashed.has(this.token)) return;
    CrashOnce.crashed.add(this.token);
    throw new Error(`simulated crash at step ${info.step}`);
  }
}

/** The toy components as specs (also loadable as a CLI plugin: test/helpers/toy-plugin.ts). */
export const TOY_SPECS: ComponentSpec[] = [
  defineComponent({
    target: 'test.datasets.Bars', kind: 'dataset', description: 'bars',
    schema: { type: 'object', additionalProperties: false, properties: { poison: { type: 'boolean', default: false } } },
    create: (p: { poison: boolean }) => new Bars(p.poison),
  }) as ComponentSpec,
  defineComponent({
    target: 'test.models.TinyAE', kind: 'model', description: 'tiny AE',
    schema: { type: 'object', additionalProperties: false, properties: { latent: { type: 'integer', default: 4 }, noise: { type: 'number', default: 0.1 } } },
    create: (p: { latent: number; noise: number }, ctx) => new TinyAE(p.latent, new Rng(ctx.seed), p.noise),
  }) as ComponentSpec,
  defineComponent({
    target: 'test.losses.MSE', kind: 'loss', description: 'mse',
    schema: { type: 'object', additionalProperties: false, properties: {} },
    create: () => new MseLoss(),
  }) as ComponentSpec,
  defineComponent({
    target: 'test.callbacks.CrashOnce', kind: 'callback', description: 'throws once at a step',
    schema: { type: 'object', additionalProperties: false, required: ['at_step', 'token'], properties: { at_step: { type: 'integer' }, token: { type: 'string' } } },
    create: (p: { at_step: number; token: string }) => new CrashOnce(p.at_step, p.token),
  }) as ComponentSpec,
];

export function toyTrainingRegistry(): ComponentRegistry {
  return new ComponentRegistry().registerAll([...ALL_SPECS, ...TOY_SPECS]);
}

export const TOY_CONFIG = `model:
  target: test.models.TinyAE
  params: {latent: 4, noise: 0.1}
loss:
  target: test.losses.MSE
data:
  batch_size: 16
  train:
    target: test.datasets.Bars
trainer:
  max_steps: 20
  log_every: 5
  ckpt_every: 5
  progress: none
  optimizer:
    target: untangle.optim.Adam
    params: {lr: 0.01}
runtime:
  backend: cpu
`;
