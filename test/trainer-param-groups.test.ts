import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { executeRun } from '../framework/run/execute.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { readSafetensors } from '../framework/trainer/safetensors.ts';
import { ComponentRegistry } from '../framework/registry/registry.ts';
import { defineComponent, type ComponentSpec } from '../framework/registry/types.ts';
import type { Loss, LossTerms, Model, Outputs, ParamGroup, StepContext } from '../framework/contracts/index.ts';
import type { Batch } from '../framework/contracts/index.ts';
import { ALL_SPECS } from '../registry.ts';
import { TOY_SPECS } from './helpers/toy-components.ts';
import { writeTree } from './helpers/fixtures.ts';

const quiet = () => undefined;

/**
 * Two scalars: `a` in the main group, `b` in a declared group 'aux' that is updated at even steps
 * only. The loss is (a − 1)² for the main pass and (b + 2)² for the aux pass, so with SGD at
 * lr 0.25 each update halves the distance to the target: hand-computable trajectories.
 */
class TwoScalars implements Model {
  readonly a = tf.variable(tf.scalar(5), true);
  readonly b = tf.variable(tf.scalar(2), true);
  readonly seen: string[] = [];
  namedVariables(): Map<string, tf.Variable> {
    return new Map([['a', this.a], ['b', this.b]]);
  }
  trainableVariables(): tf.Variable[] {
    return [this.a, this.b];
  }
  paramGroups(): ParamGroup[] {
    return this.declare ? [{ name: 'aux', variables: () => [this.b], activeAt: (s) => s % 2 === 0 }] : [];
  }
  constructor(private readonly declare: boolean) {}
  forward(_b: Batch, ctx: StepContext): Outputs {
    this.seen.push(`${ctx.step}:${ctx.group}`);
    return { a: tf.mul(this.a, 1), b: tf.mul(this.b, 1) };
  }
}

class GroupLoss implements Loss {
  compute(_b: Batch, o: Outputs, ctx: StepContext): LossTerms {
    if (ctx.group === 'aux') {
      const aux = tf.square(tf.add(o.b, 2)) as tf.Scalar;
      return { total: aux, terms: { aux_term: aux } };
    }
    const main = tf.square(tf.sub(o.a, 1)) as tf.Scalar;
    return { total: main, terms: { main_term: main } };
  }
}

let lastModel: TwoScalars | null = null;
const SPECS: ComponentSpec[] = [
  defineComponent({
    target: 'test.models.TwoScalars', kind: 'model', description: 'two scalars in two groups',
    schema: { type: 'object', additionalProperties: false, properties: { declare: { type: 'boolean', default: true } } },
    create: (p: { declare: boolean }) => (lastModel = new TwoScalars(p.declare)),
  }) as ComponentSpec,
  defineComponent({
    target: 'test.losses.GroupLoss', kind: 'loss', description: 'per-group loss',
    schema: { type: 'object', additionalProperties: false, properties: {} },
    create: () => new GroupLoss(),
  }) as ComponentSpec,
];

const registry = () => new ComponentRegistry().registerAll([...ALL_SPECS, ...TOY_SPECS, ...SPECS]);

const config = (opt: string, steps = 4) => `model:
  target: test.models.TwoScalars
loss:
  target: test.losses.GroupLoss
data:
  batch_size: 4
  train:
    target: test.datasets.Bars
trainer:
  max_steps: ${steps}
  log_every: 1
  ckpt_every: 2
  progress: none
  optimizer: {target: ${opt}, params: {lr: 0.25}}
  optimizers:
    aux: {target: ${opt}, params: {lr: 0.25}}
`;

describe('trainer: parameter groups with their own optimisers', () => {
  it('each group is optimised by its own optimiser, at its own steps, with ctx.group set (hand-computed SGD)', async () => {
    const dir = writeTree({ 'g.yaml': config('untangle.optim.SGD') });
    const out = await executeRun({ registry: registry(), baseFiles: ['g.yaml'], overrides: [], cwd: dir, log: quiet });
    expect(out.status).toBe('FINISHED');
    const m = lastModel!;
    // a − 1 halves at each of the 4 steps; b + 2 halves at steps 0 and 2 only.
    expect(m.a.dataSync()[0]).toBeCloseTo(1 + 4 / 16, 6);
    expect(m.b.dataSync()[0]).toBeCloseTo(-2 + 4 / 4, 6);
    expect(m.seen.filter((s) => !s.includes('undefined'))).toEqual(['0:main', '0:aux', '1:main', '2:main', '2:aux', '3:main']);
    const store = new FileStore(join(dir, 'runs'));
    // the aux loss is logged at the steps it ran (step 1 and 3 are the windows ending after steps 0 and 2)
    expect(store.metricHistory(out.runId, 'train/loss_aux').map((p) => p.step)).toEqual([1, 3]);
    expect(store.metricHistory(out.runId, 'train/loss_aux')[0].value).toBeCloseTo(16, 5);
    expect(store.metricHistory(out.runId, 'train/loss').map((p) => p.value)[0]).toBeCloseTo(16, 5);
  });

  it('both optimisers are checkpointed; a resumed run reproduces the uninterrupted one (Adam)', async () => {
    const dir = writeTree({ 'g.yaml': config('untangle.optim.Adam', 8) });
    const straight = await executeRun({ registry: registry(), baseFiles: ['g.yaml'], overrides: [], cwd: dir, log: quiet });
    const half = await executeRun({ registry: registry(), baseFiles: ['g.yaml'], overrides: ['trainer.max_steps=4'], cwd: dir, log: quiet });
    const resumed = await executeRun({ registry: registry(), baseFiles: ['g.yaml'], overrides: [], resume: half.runId, fork: true, cwd: dir, log: quiet });
    expect(resumed.fit.steps).toBe(8);
    const store = new FileStore(join(dir, 'runs'));
    const ckpt = (id: string) => readSafetensors(join(store.artifactDir(id)!, 'checkpoints/last.safetensors')).tensors;
    const a = ckpt(straight.runId);
    const b = ckpt(resumed.runId);
    const keys = [...a.keys()];
    expect(keys.some((k) => k.startsWith('optimizer/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('optimizer.aux/'))).toBe(true);
    expect(keys.sort()).toEqual([...b.keys()].sort());
    for (const [k, t] of a) expect(Array.from(b.get(k)!.data)).toEqual(Array.from(t.data));
  });

  it('a declared group without an optimiser, or an optimiser for no group, is a config error', async () => {
    const noOpt = writeTree({ 'g.yaml': config('untangle.optim.SGD').replace(/ {2}optimizers:\n.*\n/, '') });
    await expect(executeRun({ registry: registry(), baseFiles: ['g.yaml'], overrides: [], cwd: noOpt, log: quiet }))
      .rejects.toMatchObject({ code: 'param-group-no-optimizer' });
    const stray = writeTree({ 'g.yaml': config('untangle.optim.SGD') });
    await expect(executeRun({ registry: registry(), baseFiles: ['g.yaml'], overrides: ['model.params.declare=false'], cwd: stray, log: quiet }))
      .rejects.toMatchObject({ code: 'param-group-unknown' });
  });
});
