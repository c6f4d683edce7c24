import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import { UntangleError } from '../framework/util/errors.ts';
import {
  Activation, BatchNorm2d, Conv2d, Dropout, Embedding, GroupNorm, Linear, Module, Sequential, dropoutMask,
} from '../components/nn/index.ts';

class Encoder extends Module {
  readonly conv1: Conv2d;
  readonly norm: GroupNorm;
  readonly head: Linear;
  constructor(rng: Rng) {
    super();
    this.conv1 = this.child('conv1', new Conv2d(1, 4, 3, rng, { padding: 1 }));
    this.norm = this.child('norm', new GroupNorm(2, 4));
    this.head = this.child('head', new Linear(4, 2, rng));
  }
}

class Model extends Module {
  readonly encoder: Encoder;
  readonly decoder: Sequential;
  readonly scale: tf.Variable;
  constructor(rng: Rng) {
    super();
    this.scale = this.param('scale', [1], () => new Float32Array([2]), rng);
    this.encoder = this.child('encoder', new Encoder(rng));
    this.decoder = this.child('decoder', new Sequential([new Linear(2, 3, rng), new Activation('silu'), new BatchNorm2d(3)]));
  }
}

const catchError = (fn: () => unknown): UntangleError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof UntangleError) return e;
    throw e;
  }
  throw new Error('expected an UntangleError');
};

describe('Module', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('names variables with stable dotted paths in registration order', () => {
    const m = new Model(new Rng(1));
    expect([...m.namedVariables().keys()]).toEqual([
      'scale',
      'encoder.conv1.weight', 'encoder.conv1.bias', 'encoder.norm.weight', 'encoder.norm.bias',
      'encoder.head.weight', 'encoder.head.bias',
      'decoder.0.weight', 'decoder.0.bias',
      'decoder.2.weight', 'decoder.2.bias', 'decoder.2.running_mean', 'decoder.2.running_var',
    ]);
    // running statistics are buffers: not trainable
    expect(m.trainableVariables().length).toBe(11);
    expect(m.parameterCount()).toBe(1 + (9 * 4 + 4) + 8 + (8 + 2) + (6 + 3) + 6);
  });

  it('freeze() removes a sub-tree from trainableVariables and from tfjs\'s trainable set; unfreeze() restores it', () => {
    const m = new Model(new Rng(2));
    m.encoder.freeze();
    const names = [...m.namedTrainableVariables().keys()];
    expect(names).toEqual(['scale', 'decoder.0.weight', 'decoder.0.bias', 'decoder.2.weight', 'decoder.2.bias']);
    expect(m.encoder.conv1.weight.trainable).toBe(false);
    expect(m.encoder.conv1.isFrozen).toBe(true);
    // a child cannot escape its frozen parent
    m.encoder.head.unfreeze();
    expect(m.encoder.head.weight.trainable).toBe(false);
    expect([...m.namedTrainableVariables().keys()]).not.toContain('encoder.head.weight');
    m.encoder.unfreeze();
    expect(m.trainableVariables().length).toBe(11);
    expect(m.encoder.conv1.weight.trainable).toBe(true);
    // buffers stay non-trainable through freeze/unfreeze
    expect(m.decoder.namedVariables().get('2.running_mean')!.trainable).toBe(false);
  });

  it('loadWeights round-trips a state dict, with a prefix', () => {
    const a = new Model(new Rng(3));
    const b = new Model(new Rng(4));
    const dict = new Map<string, tf.Tensor>();
    for (const [k, v] of a.namedVariables()) dict.set(`model.${k}`, v);
    dict.set('optimizer.m/0', tf.zeros([1])); // other sections of a checkpoint are ignored with a prefix
    const report = b.loadWeights(dict, { prefix: 'model.' });
    expect(report.loaded.length).toBe(13);
    for (const [k, v] of a.namedVariables()) {
      expect([...b.namedVariables().get(k)!.dataSync()]).toEqual([...v.dataSync()]);
    }
    // values are copied: changing the source afterwards does not change b
    a.scale.assign(tf.tensor1d([7]));
    expect(b.scale.dataSync()[0]).toBe(2);
  });

  it('loadWeights reports missing and unexpected keys and shape mismatches as UntangleErrors', () => {
    const m = new Model(new Rng(5));
    const dict = new Map<string, tf.Tensor>(m.namedVariables());
    dict.delete('encoder.head.bias');
    dict.set('encoder.head.bais', tf.zeros([2]));
    const e = catchError(() => m.loadWeights(dict));
    expect(e.code).toBe('nn.weights.keys');
    expect(e.context.missing).toEqual(['encoder.head.bias']);
    expect(e.context.unexpected).toEqual(['encoder.head.bais']);

    const lenient = m.loadWeights(dict, { strict: false });
    expect(lenient.missing).toEqual(['encoder.head.bias']);
    expect(lenient.loaded.length).toBe(12);

    const bad = new Map<string, tf.Tensor>(m.namedVariables());
    bad.set('encoder.conv1.weight', tf.zeros([3, 3, 1, 5]));
    const s = catchError(() => m.loadWeights(bad, { strict: false }));
    expect(s.code).toBe('nn.weights.shape');
    expect(String(s.context.mismatched)).toContain('encoder.conv1.weight: expected [3,3,1,4], got [3,3,1,5]');
  });

  it('rejects duplicate and dotted names, and re-parenting', () => {
    class Bad extends Module {
      constructor(which: 'dup' | 'dot' | 'reparent', rng: Rng) {
        super();
        const lin = this.child('a', new Linear(2, 2, rng));
        if (which === 'dup') this.child('a', new Linear(2, 2, rng));
        if (which === 'dot') this.child('a.b', new Linear(2, 2, rng));
        if (which === 'reparent') this.child('b', lin);
      }
    }
    expect(catchError(() => new Bad('dup', new Rng(0))).code).toBe('nn.module.duplicate');
    expect(catchError(() => new Bad('dot', new Rng(0))).code).toBe('nn.module.name');
    expect(catchError(() => new Bad('reparent', new Rng(0))).code).toBe('nn.module.reparent');
  });

  it('dispose() frees every variable; forward passes leak no tensors', () => {
    const before = tf.memory().numTensors;
    const m = new Model(new Rng(6));
    expect(tf.memory().numTensors - before).toBe(13);
    const x = tf.ones([2, 5, 5, 1]);
    const n0 = tf.memory().numTensors;
    const y = m.encoder.conv1.forward(x);
    const z = m.encoder.norm.forward(y);
    expect(tf.memory().numTensors - n0).toBe(2);
    tf.dispose([x, y, z]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('train()/eval() propagate to descendants', () => {
    const m = new Model(new Rng(7));
    m.eval();
    expect([...m.namedModules().values()].every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.decoder.layers[2].training).toBe(true);
  });

  it('reports wrong input shapes with the expected layout', () => {
    const conv = new Conv2d(3, 4, 3, new Rng(8));
    const e = catchError(() => conv.forward(tf.zeros([1, 3, 8, 8])));
    expect(e.code).toBe('nn.conv2d.shape');
    expect(e.hint).toContain('NHWC');
    expect(catchError(() => new Linear(4, 2, new Rng(0)).forward(tf.zeros([2, 5]))).code).toBe('nn.linear.shape');
  });
});

describe('Dropout', () => {
  it('is the identity in eval mode and with p = 0', () => {
    const x = tf.ones([10, 10]);
    const d = new Dropout(0.5).eval();
    expect(d.forward(x)).toBe(x);
    expect(new Dropout(0).forward(x, new Rng(1))).toBe(x);
  });

  it('keeps ≈(1 − p) of the elements, scaled by 1/(1 − p), reproducibly from the Rng', () => {
    const p = 0.3;
    const x = tf.ones([200, 100]);
    const y = new Dropout(p).forward(x, new Rng(11)).dataSync();
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-6)).toBe(true);
    // binomial(20000, 0.7): sd ≈ 65 elements
    expect(Math.abs(kept.length - 14000)).toBeLessThan(350);
    const again = new Dropout(p).forward(x, new Rng(11)).dataSync();
    expect([...again]).toEqual([...y]);
    expect([...dropoutMask([4], 0.5, new Rng(1)).dataSync()]).toEqual([...dropoutMask([4], 0.5, new Rng(1)).dataSync()]);
  });

  it('draws the mask as one uniform() per element, leaving the Rng where n uniform() calls leave it', () => {
    // fillKeepMask inlines xoshiro128**; the reference is the per-call generator.
    for (const [n, p] of [[1, 0.5], [1000, 0.1], [4097, 0.9], [0, 0.3]] as const) {
      const fast = new Rng(123), slow = new Rng(123);
      const m = fast.fillKeepMask(new Float32Array(n), p, 2.5);
      const want = Float32Array.from({ length: n }, () => (slow.uniform() >= p ? 2.5 : 0));
      expect([...m]).toEqual([...want]);
      expect(fast.state()).toEqual(slow.state());
      expect(fast.nextU32()).toBe(slow.nextU32());
    }
    // p = 0 keeps everything (uniform() ≥ 0 always).
    expect(new Rng(5).fillKeepMask(new Float32Array(64), 0, 1).every((v) => v === 1)).toBe(true);
  });

  it('needs an Rng in training mode', () => {
    expect(catchError(() => new Dropout(0.5).forward(tf.ones([2]))).code).toBe('nn.dropout.rng');
  });
});

describe('Embedding and Sequential', () => {
  it('Embedding looks up rows for indices of any shape', () => {
    const emb = new Embedding(5, 3, new Rng(1));
    const table = emb.weight.arraySync() as number[][];
    const y = emb.forward(tf.tensor2d([[4, 0, 2], [1, 1, 3]], [2, 3], 'int32'));
    expect(y.shape).toEqual([2, 3, 3]);
    expect(y.arraySync()).toEqual([[table[4], table[0], table[2]], [table[1], table[1], table[3]]]);
    expect(emb.forward([3]).arraySync()).toEqual([table[3]]);
  });

  it('Sequential chains its layers and hands the Rng to Dropout', () => {
    const lin = new Linear(4, 4, new Rng(2));
    const seq = new Sequential([lin, new Activation('relu'), new Dropout(0.5)]);
    const x = tf.ones([3, 4]);
    const want = tf.relu(lin.forward(x)).arraySync() as number[][];
    const y = seq.forward(x, new Rng(9)).arraySync() as number[][];
    const mask = dropoutMask([3, 4], 0.5, new Rng(9)).arraySync() as number[][];
    y.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j] * mask[i][j], 6)));
    seq.eval();
    expect(seq.forward(x).arraySync()).toEqual(want);
  });
});
