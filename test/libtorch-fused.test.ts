/**
 * Fused kernels (framework/backends/fused.ts): each op runs its composite (plain tfjs ops) on the
 * cpu backend and its fused kernel on libtorch, on random shapes; values and gradients through
 * tfjs-core's autodiff must agree within the conformance tolerances of libtorch-kernels.test.ts
 * (1e-4 relative forward, 5e-4 on gradients). Also checks that libtorch really dispatched the fused
 * kernel, that the cpu backend never did, and that the fused path repeats bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FUSED, hasFusedKernel, setFusedKernels } from '../framework/backends/fused.ts';
import { groupNorm } from '../components/nn/fused/group-norm.ts';
import { gruCell, lstmCell } from '../components/nn/fused/rnn-cells.ts';
import { gruSequence, lstmSequence } from '../components/nn/fused/rnn-sequences.ts';
import { silu } from '../components/nn/fused/silu.ts';
import { BatchNorm, LayerNorm } from '../components/nn/index.ts';
import { adamStep } from '../components/optim/adam-step.ts';
import { available, Gen, mismatch, runOn } from '../packages/tfjs-backend-libtorch/test/harness.ts';

const FWD = { rtol: 1e-4, atol: 1e-5 };
const GRAD = { rtol: 5e-4, atol: 1e-5 };

/** Value of f plus the gradients of sum(f(xs)·w) wrt every input (w a fixed random cotangent per output). */
function valueAndGrads(g: Gen, xs: tf.Tensor[], f: (...a: tf.Tensor[]) => tf.Tensor[]): tf.Tensor[] {
  const ys = f(...xs);
  const ws = ys.map((y) => g.randn(y.shape));
  const loss = (...a: tf.Tensor[]) => tf.addN(f(...a).map((y, i) => tf.sum(tf.mul(y, ws[i])))) as tf.Scalar;
  return [...ys, ...tf.grads(loss)(xs)];
}

interface Case { name: string; kernel: string; fn: (g: Gen) => tf.Tensor[]; grads: boolean }
const cases: Case[] = [];

// Random-ish shapes, fixed per case name (the Gen seed), several per op.
for (const [b, h] of [[3, 5], [7, 16], [2, 33]]) {
  cases.push({
    name: `lstmCell B${b} H${h}`, kernel: FUSED.lstmCell, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn([b, 4 * h], 1.5), g.randn([b, h])], (gates, c) => {
      const s = lstmCell(gates as tf.Tensor2D, c as tf.Tensor2D);
      return [s.h, s.c];
    }),
  });
  cases.push({
    name: `gruCell B${b} H${h}`, kernel: FUSED.gruCell, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn([b, 3 * h], 1.5), g.randn([b, 3 * h]), g.randn([b, h])],
      (xp, hp, hh) => [gruCell(xp as tf.Tensor2D, hp as tf.Tensor2D, hh as tf.Tensor2D)]),
  });
}
for (const [b, t, h] of [[3, 4, 5], [2, 1, 8], [5, 6, 3]]) {
  cases.push({
    name: `lstmSequence B${b} T${t} H${h}`, kernel: FUSED.lstmSequence, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn([b, t, 4 * h]), g.randn([b, h]), g.randn([b, h]), g.randn([h, 4 * h], 0.5)], (xp, h0, c0, wh) => {
      const r = lstmSequence(xp as tf.Tensor3D, h0 as tf.Tensor2D, c0 as tf.Tensor2D, wh as tf.Tensor2D);
      return [r.hs, r.h, r.c as tf.Tensor];
    }),
  });
  cases.push({
    name: `gruSequence B${b} T${t} H${h}`, kernel: FUSED.gruSequence, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn([b, t, 3 * h]), g.randn([b, h]), g.randn([h, 3 * h], 0.5), g.randn([3 * h], 0.3)], (xp, h0, wh, bh) => {
      const r = gruSequence(xp as tf.Tensor3D, h0 as tf.Tensor2D, wh as tf.Tensor2D, bh as tf.Tensor1D);
      return [r.hs, r.h];
    }),
  });
}
for (const [shape, groups] of [[[2, 5, 3, 8], 4], [[3, 4, 4, 12], 3], [[2, 7, 6], 2], [[4, 9, 16], 16]] as Array<[number[], number]>) {
  const c = shape[shape.length - 1];
  cases.push({
    name: `groupNorm [${shape}] G${groups}`, kernel: FUSED.groupNorm, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn(shape, 2), g.uniform([c], 0.5, 1.5), g.randn([c], 0.3)],
      (x, w, bias) => [groupNorm(x, w, bias, groups, 1e-5)]),
  });
}
// LayerNorm over the last axis runs as GroupNorm with one group on [N, C] rows (nn/layers/layer-norm.ts):
// on cpu that is the composite, so this compares the fused path against the plain LayerNorm.
for (const shape of [[6, 10], [3, 5, 24]]) {
  const c = shape[shape.length - 1];
  cases.push({
    name: `LayerNorm [${shape}] (one-group GroupNorm)`, kernel: FUSED.groupNorm, grads: true,
    fn: (g) => {
      const ln = new LayerNorm(c);
      ln.weight?.assign(g.uniform([c], 0.5, 1.5));
      ln.bias?.assign(g.randn([c], 0.3));
      const x = g.randn(shape, 2), w = g.randn(shape);
      const out = valueAndGrads(g, [x], (xx) => [ln.forward(xx)]);
      const affine = tf.variableGrads(() => tf.sum(tf.mul(ln.forward(x), w)) as tf.Scalar, [ln.weight!, ln.bias!]);
      const res = [...out, affine.grads[ln.weight!.name], affine.grads[ln.bias!.name]];
      ln.dispose();
      return res;
    },
  });
}
// BatchNorm in training runs as GroupNorm of the [1, N, C] view with one group per channel
// (nn/layers/batch-norm.ts); its running statistics come from the kernel's mean and rstd.
for (const shape of [[9, 6], [4, 5, 3, 8]]) {
  const c = shape[shape.length - 1];
  cases.push({
    name: `BatchNorm [${shape}] (per-channel GroupNorm) and its running statistics`, kernel: FUSED.groupNorm, grads: true,
    fn: (g) => {
      const bn = new BatchNorm(c);
      bn.weight?.assign(g.uniform([c], 0.5, 1.5));
      bn.bias?.assign(g.randn([c], 0.3));
      const x = g.randn(shape, 2), w = g.randn(shape);
      const out = valueAndGrads(g, [tf.add(x, g.randn([c]))], (xx) => [bn.forward(xx)]);
      const affine = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), w)) as tf.Scalar, [bn.weight!, bn.bias!]);
      const res = [...out, affine.grads[bn.weight!.name], affine.grads[bn.bias!.name], tf.clone(bn.runningMean), tf.clone(bn.runningVar)];
      bn.dispose();
      return res;
    },
  });
}
for (const shape of [[5, 7], [2, 3, 4, 6]]) {
  cases.push({
    name: `silu [${shape}]`, kernel: FUSED.silu, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn(shape, 3)], (x) => [silu(x)]),
  });
  cases.push({
    name: `relu gradient [${shape}]`, kernel: FUSED.reluGrad, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn(shape, 2)], (x) => [tf.relu(x)]),
  });
}
for (const [shape, l2, pScale] of [[[6, 5], 0, 1], [[37], 0.01, 1], [[3, 3, 2, 4], 0, 0.999]] as Array<[number[], number, number]>) {
  cases.push({
    name: `adamStep [${shape}] l2=${l2} pScale=${pScale}`, kernel: FUSED.adamStep, grads: false,
    fn: (g) => {
      let p = g.randn(shape), m = tf.zerosLike(p), v = tf.zerosLike(p);
      // Three steps, so the moments and both bias corrections are exercised.
      for (let step = 1; step <= 3; step++) {
        const r = adamStep(p, g.randn(shape, 0.1), m, v, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, l2, pScale });
        ({ param: p, m, v } = r);
      }
      return [p, m, v];
    },
  });
}

describe.skipIf(!available)('fused kernels: libtorch vs the composite on cpu', () => {
  it('runs the fused kernels on libtorch only', async () => {
    await tf.setBackend('cpu');
    for (const k of Object.values(FUSED)) expect(hasFusedKernel(k)).toBe(false);
    await tf.setBackend('libtorch');
    for (const k of Object.values(FUSED)) expect(hasFusedKernel(k)).toBe(true);
    const was = setFusedKernels(false);
    expect(hasFusedKernel(FUSED.adamStep)).toBe(false);
    setFusedKernels(was);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const ref = await runOn('cpu', c.name, c.fn);
      const got = await runOn('libtorch', c.name, c.fn);
      // Values and gradients together at the gradient tolerance; values alone are checked below.
      const m = mismatch(ref, got, c.grads ? GRAD.rtol : FWD.rtol, FWD.atol);
      expect(m.score, m.detail).toBeLessThanOrEqual(1);
      // And the fused kernel, not the composite, ran on libtorch.
      await tf.setBackend('libtorch');
      const prof = await tf.profile(() => { tf.tidy(() => { c.fn(new Gen(1)); }); });
      expect(prof.kernels.map((k) => k.name)).toContain(c.kernel);
    });
  }

  it('forward values alone meet the forward tolerance', async () => {
    for (const c of cases.filter((k) => k.grads)) {
      const fwdOnly = (g: Gen) => c.fn(g).slice(0, 1);
      const m = mismatch(await runOn('cpu', c.name, fwdOnly), await runOn('libtorch', c.name, fwdOnly), FWD.rtol, FWD.atol);
      expect(m.score, `${c.name}: ${m.detail}`).toBeLessThanOrEqual(1);
    }
  });

  it('propagates NaN through the Relu gradient as the cpu backend does', async () => {
    const fn = () => [tf.grad((x: tf.Tensor) => tf.sum(tf.relu(x)))(tf.tensor([-1, 0, 2, Number.NaN, 3]))];
    const ref = await runOn('cpu', 'relu nan', fn);
    const got = await runOn('libtorch', 'relu nan', fn);
    expect(Array.from(got[0].values)).toEqual(Array.from(ref[0].values));
  });

  it('leaves no tensors behind (extra outputs kept for the gradients are released with them)', async () => {
    await tf.setBackend('libtorch');
    const g = new Gen(7);
    const gates = g.randn([4, 24]), c = g.randn([4, 6]), xp = g.randn([4, 18]), hp = g.randn([4, 18]);
    const before = tf.memory().numTensors;
    const s = lstmCell(gates as tf.Tensor2D, c as tf.Tensor2D);
    tf.dispose([s.h, s.c, gruCell(xp as tf.Tensor2D, hp as tf.Tensor2D, c as tf.Tensor2D)]);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(lstmCell(a as tf.Tensor2D, b as tf.Tensor2D).h))([gates, c]);
    const gg = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(gruCell(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D)))([xp, hp]);
    tf.dispose([...grads, ...gg]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([gates, c, xp, hp]);
  });

  it('repeats bit for bit', async () => {
    for (const c of cases) {
      const a = await runOn('libtorch', c.name, c.fn);
      const b = await runOn('libtorch', c.name, c.fn);
      a.forEach((r, i) => expect(Buffer.from(b[i].values.buffer).equals(Buffer.from(r.values.buffer)), c.name).toBe(true));
    }
  });
});

