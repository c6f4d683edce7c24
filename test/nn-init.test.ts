import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import { Conv2d, ConvTranspose2d, Embedding, Linear, LSTM, init } from '../components/nn/index.ts';

/** Initialisers against PyTorch's closed forms (bounds and variances of its default inits). */

const values = (v: tf.Tensor): Float32Array => v.dataSync() as Float32Array;
const maxAbs = (a: Float32Array): number => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const variance = (a: Float32Array): number => {
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  return a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length;
};

/** Samples lie in [−bound, bound], reach near it, and have the uniform's variance bound²/3. */
function expectUniform(a: Float32Array, bound: number): void {
  expect(maxAbs(a)).toBeLessThanOrEqual(bound * (1 + 1e-6));
  expect(maxAbs(a)).toBeGreaterThan(bound * 0.97);
  expect(variance(a)).toBeCloseTo(bound ** 2 / 3, Math.ceil(-Math.log10(bound ** 2 / 3)) + 1);
}

describe('PyTorch default initialisation', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('kaiming_uniform(a=√5) has bound exactly 1/√fan_in', () => {
    for (const fan of [1, 3, 100, 4096]) {
      const a = init.kaimingUniform({ a: Math.sqrt(5) })([fan, 7], new Rng(fan));
      expect(maxAbs(a)).toBeLessThanOrEqual(1 / Math.sqrt(fan));
    }
    // gain(leaky_relu, √5) = √(2/6): bound = √(1/3)·√(3/fan) = 1/√fan
    expect(init.calculateGain('leaky_relu', Math.sqrt(5)) * Math.sqrt(3)).toBeCloseTo(1, 12);
  });

  it('Linear weight and bias ~ U(±1/√in)', () => {
    const lin = new Linear(400, 300, new Rng(1));
    expectUniform(values(lin.weight), 1 / 20);
    expect(maxAbs(values(lin.bias!))).toBeLessThanOrEqual(1 / 20);
    expect(lin.weight.shape).toEqual([400, 300]);
  });

  it('Conv2d uses fan_in = C_in·kh·kw for weight and bias', () => {
    const conv = new Conv2d(16, 64, 3, new Rng(2));
    const bound = 1 / Math.sqrt(16 * 9);
    expectUniform(values(conv.weight), bound);
    expect(maxAbs(values(conv.bias!))).toBeLessThanOrEqual(bound);
    expect(maxAbs(values(conv.bias!))).toBeGreaterThan(bound * 0.8);
  });

  it('ConvTranspose2d uses PyTorch\'s fan_in = C_out·kh·kw', () => {
    const convT = new ConvTranspose2d(64, 32, 4, new Rng(3));
    const bound = 1 / Math.sqrt(32 * 16);
    expectUniform(values(convT.weight), bound);
    expect(maxAbs(values(convT.bias!))).toBeLessThanOrEqual(bound);
    expect(maxAbs(values(convT.bias!))).toBeGreaterThan(bound * 0.8);
  });

  it('LSTM parameters ~ U(±1/√hidden); Embedding ~ N(0, 1)', () => {
    const lstm = new LSTM(10, 64, new Rng(4));
    for (const v of lstm.namedVariables().values()) expect(maxAbs(values(v))).toBeLessThanOrEqual(1 / 8);
    expectUniform(values(lstm.weightHh), 1 / 8);
    const emb = new Embedding(1000, 32, new Rng(5));
    expect(variance(values(emb.weight))).toBeCloseTo(1, 1);
  });

  it('xavier uniform/normal and kaiming normal follow their closed forms', () => {
    // Glorot: bound = gain·√(6/(fan_in+fan_out)); for [kh, kw, in, out] = [3, 3, 20, 30]: fans 180, 270
    expectUniform(init.xavierUniform(2)([3, 3, 20, 30], new Rng(6)), 2 * Math.sqrt(6 / 450));
    expect(variance(init.xavierNormal()([200, 300], new Rng(7)))).toBeCloseTo(2 / 500, 4);
    // kaiming_normal(relu, fan_in): std = √2/√fan_in
    expect(variance(init.kaimingNormal({ nonlinearity: 'relu' })([500, 200], new Rng(8)))).toBeCloseTo(2 / 500, 4);
    expect(variance(init.normal(0.02)([300, 300], new Rng(9)))).toBeCloseTo(4e-4, 5);
    expect([...init.zeros()([2, 2], new Rng(0))]).toEqual([0, 0, 0, 0]);
    expect([...init.ones()([3], new Rng(0))]).toEqual([1, 1, 1]);
  });

  it('computeFans matches PyTorch on untangle layouts', () => {
    expect(init.computeFans([5, 7])).toEqual({ fanIn: 5, fanOut: 7 }); // Linear [in, out]
    expect(init.computeFans([3, 5, 4, 8])).toEqual({ fanIn: 60, fanOut: 120 }); // Conv [kh, kw, in, out]
    expect(() => init.computeFans([5])).toThrow(/fan-in/);
  });

  it('is seeded: the same Rng seed gives the same weights, another seed different ones', () => {
    const a = values(new Conv2d(3, 4, 3, new Rng(42)).weight);
    const b = values(new Conv2d(3, 4, 3, new Rng(42)).weight);
    const c = values(new Conv2d(3, 4, 3, new Rng(43)).weight);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });
});
