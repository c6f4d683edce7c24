import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import { UntangleError } from '../framework/util/errors.ts';
import { Adam, AdamW, Ema, SGD, type SlotOptimizer } from '../components/optim/index.ts';

/**
 * Checkpoint state: an optimiser restored from `state()` (passed through plain arrays, as a
 * checkpoint file would) continues bit-identically to one that never stopped. EMA: LDM's warm-up
 * formula and the averaging recurrence, computed by hand.
 */

const rng = new Rng(3);
const randn = (shape: number[]): tf.Tensor => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
const shapes = [[2, 3], [4]];
const grads = Array.from({ length: 6 }, () => shapes.map((s) => randn(s)));
const init = shapes.map((s) => randn(s));

/** Serialise to plain data and back, as a checkpoint writer/reader would. */
function throughDisk(state: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
  const plain = [...state].map(([k, t]) => ({ k, shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) }));
  tf.dispose([...state.values()]);
  const json = JSON.parse(JSON.stringify(plain)) as typeof plain;
  return new Map(json.map((e) => [e.k, tf.tensor(e.data, e.shape, e.dtype as 'float32' | 'int32')]));
}

function roundTrip(make: () => SlotOptimizer, slotNames: string[]): void {
  const varsA = init.map((t) => tf.variable(t.clone()));
  const varsB = init.map((t) => tf.variable(t.clone()));
  const a = make();
  for (let t = 0; t < 3; t++) a.apply(varsA, grads[t], 0.01);
  const state = a.state();
  expect([...state.keys()].sort()).toEqual([...slotNames.flatMap((s) => [`${s}/0`, `${s}/1`]), 'step'].sort());
  expect(state.get('step')!.dataSync()[0]).toBe(3);
  // B: a fresh optimiser at A's weights and state
  varsB.forEach((v, i) => v.assign(varsA[i]));
  const b = make();
  b.loadState(throughDisk(state));
  expect(b.step).toBe(3);
  for (let t = 3; t < 6; t++) {
    a.apply(varsA, grads[t], 0.01);
    b.apply(varsB, grads[t], 0.01);
  }
  varsA.forEach((v, i) => expect([...varsB[i].dataSync()]).toEqual([...v.dataSync()]));
  // the state returned is a copy: disposing it leaves the optimiser intact
  tf.dispose([...a.state().values()]);
  a.apply(varsA, grads[0], 0.01);
  a.dispose();
  b.dispose();
}

describe('optimiser checkpoint state', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('Adam round-trips m/<i>, v/<i>, step exactly', () => roundTrip(() => new Adam({ lr: 0.01 }), ['m', 'v']));
  it('AdamW round-trips exactly', () => roundTrip(() => new AdamW({ lr: 0.01, weightDecay: 0.1 }), ['m', 'v']));
  it('SGD with momentum round-trips exactly', () => roundTrip(() => new SGD({ lr: 0.01, momentum: 0.9, nesterov: true }), ['momentum']));

  it('rejects state from another optimiser, and mismatched slot shapes', () => {
    const adamState = new Adam({ lr: 1 });
    const v = [tf.variable(tf.zeros([2]))];
    adamState.apply(v, [tf.ones([2])], 0.1);
    const sgd = new SGD({ lr: 1, momentum: 0.5 });
    expect(() => sgd.loadState(adamState.state())).toThrow(UntangleError);
    const other = new Adam({ lr: 1 });
    other.loadState(adamState.state());
    expect(() => other.apply([tf.variable(tf.zeros([3]))], [tf.ones([3])], 0.1)).toThrow(/slot m\/0 has shape \[2\]/);
  });

  it('does not leak tensors per step', () => {
    const vars = init.map((t) => tf.variable(t.clone()));
    const opt = new Adam({ lr: 0.1 });
    opt.apply(vars, grads[0], 0.1);
    const n = tf.memory().numTensors;
    for (let t = 1; t < 5; t++) opt.apply(vars, grads[t], 0.1);
    expect(tf.memory().numTensors).toBe(n);
  });
});

describe('Ema', () => {
  it('uses LDM\'s warm-up decay min(decay, (1 + n)/(10 + n))', () => {
    expect(Ema.warmupDecay(0.9999, 1)).toBeCloseTo(2 / 11, 15);
    expect(Ema.warmupDecay(0.9999, 10)).toBeCloseTo(11 / 20, 15);
    expect(Ema.warmupDecay(0.9999, 89_990)).toBeCloseTo(89_991 / 90_000, 15);
    expect(Ema.warmupDecay(0.9999, 89_991)).toBe(0.9999); // (1+n)/(10+n) > 0.9999 from n = 89 991 on
    expect(Ema.warmupDecay(0.99, 5)).toBeCloseTo(6 / 15, 15);
  });

  it('averages shadow ← shadow − (1 − d)(shadow − w) and copies buffers', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const buf = tf.variable(tf.tensor1d([5]), false);
    const ema = new Ema(new Map([['w', w], ['buf', buf]]), { decay: 0.5 });
    const expected = [1, 2];
    const weights = [[3, 4], [0, -2], [10, 10]];
    for (const [n, next] of weights.entries()) {
      w.assign(tf.tensor1d(next));
      buf.assign(tf.tensor1d([n]));
      const d = ema.update();
      const want = Math.min(0.5, (2 + n) / (11 + n)); // n-th update counts from 1
      expect(d).toBeCloseTo(want, 15);
      for (let i = 0; i < 2; i++) expected[i] -= (1 - d) * (expected[i] - next[i]);
    }
    expect(ema.updates).toBe(3);
    ema.swapIn();
    Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(buf.dataSync()[0]).toBe(2);
    ema.swapOut();
    expect(Array.from(w.dataSync())).toEqual([10, 10]);

    // round trip
    const restored = new Ema(new Map([['w', w], ['buf', buf]]), { decay: 0.5 });
    restored.loadState(ema.state());
    expect(restored.updates).toBe(3);
    const out = restored.withAveraged(() => Array.from(w.dataSync()));
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(Array.from(w.dataSync())).toEqual([10, 10]);
  });

  it('without warm-up uses the fixed decay', () => {
    const w = tf.variable(tf.tensor1d([0]));
    const ema = new Ema(new Map([['w', w]]), { decay: 0.9, useNumUpdates: false });
    w.assign(tf.tensor1d([1]));
    expect(ema.update()).toBe(0.9);
    ema.withAveraged(() => expect(w.dataSync()[0]).toBeCloseTo(0.1, 6));
  });
});
