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
import { gruSequence, lstmSequence, rnnTanhSequence } from '../components/nn/fused/rnn-sequences.ts';
import { film } from '../components/nn/fused/film.ts';
import { affine } from '../components/nn/fused/linear.ts';
import { dropoutMask } from '../components/nn/layers/dropout.ts';
import { Rng } from '../framework/util/rng.ts';
import { clipGradNorm } from '../framework/trainer/clip.ts';
import { silu } from '../components/nn/fused/silu.ts';
import { BatchNorm, LayerNorm } from '../components/nn/index.ts';
import { adamStep, adamStepAll } from '../components/optim/adam-step.ts';
import { AdamW } from '../components/optim/adam.ts';
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
// T = 1: the gradient's h_{t-1} stack is h0 alone.
for (const [b, t, h] of [[3, 4, 5], [2, 1, 8], [5, 7, 3], [1, 3, 1]]) {
  cases.push({
    name: `rnnTanhSequence B${b} T${t} H${h}`, kernel: FUSED.rnnTanhSequence, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn([b, t, h]), g.randn([b, h]), g.randn([h, h], 0.5)], (xp, h0, wh) => {
      const r = rnnTanhSequence(xp as tf.Tensor3D, h0 as tf.Tensor2D, wh as tf.Tensor2D);
      return [r.hs, r.h];
    }),
  });
}
// FiLM over rows [N, C] and over a [B, T, C] sequence; C = 1 and a single row as edge cases.
for (const [lead, c] of [[[6], 4], [[2, 3], 5], [[1], 1], [[9], 128]] as Array<[number[], number]>) {
  cases.push({
    name: `film [${lead},${c}] by [${lead},${2 * c}]`, kernel: FUSED.film, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn([...lead, c], 2), g.randn([...lead, 2 * c])], (x, ss) => [film(x, ss)]),
  });
}
for (const [n, i, o] of [[5, 3, 4], [1, 1, 1], [64, 17, 9]]) {
  cases.push({
    name: `linear [${n},${i}]·[${i},${o}] + [${o}]`, kernel: FUSED.linear, grads: true,
    fn: (g) => valueAndGrads(g, [g.randn([n, i]), g.randn([i, o], 0.5), g.randn([o])],
      (x, w, b) => [affine(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D)]),
  });
}
// Dropout masks: the native generator must give the JS generator's draws and leave it in the same state.
for (const [shape, p, seed] of [[[3, 4], 0.5, 1], [[1], 0.1, 2], [[2048, 128], 0.1, 3], [[5, 7], 0, 4], [[0, 3], 0.5, 5]] as Array<[number[], number, number]>) {
  cases.push({
    name: `dropoutMask [${shape}] p ${p}`, kernel: FUSED.keepMask, grads: false,
    fn: () => {
      const rng = new Rng(seed);
      const a = dropoutMask(shape, p, rng), b = dropoutMask(shape, p, rng);
      return [a, b, tf.tensor1d(rng.state().s.map((w) => w / 2 ** 32)), tf.scalar(rng.uniform())];
    },
  });
}
// Gradient clipping: the global norm over a list (one kernel) and, when it exceeds max_norm, the
// scaled list (another); the composite is two kernels per tensor each.
for (const [maxNorm, shapes] of [[0.5, [[3, 4], [7], [2, 2, 5]]], [1e6, [[6, 2], [1]]], [1, [[33]]]] as Array<[number, number[][]]>) {
  cases.push({
    name: `clipGradNorm max ${maxNorm} over [${shapes.map((sh) => `[${sh}]`)}]`, kernel: FUSED.globalNorm, grads: false,
    fn: (g) => {
      const r = clipGradNorm(shapes.map((sh) => g.randn(sh, 2)), maxNorm);
      return [...r.grads, tf.scalar(r.totalNorm)];
    },
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

// The list form: one kernel for every parameter of a step, equal to adamStep on each; one
// one-element list, and AdamW's decay.
for (const [shapes, pScale] of [[[[6, 5], [37], [1], [3, 3, 2, 4]], 0.999], [[[4]], 1]] as Array<[number[][], number]>) {
  cases.push({
    name: `adamStepAll over [${shapes.map((sh) => `[${sh}]`)}] pScale=${pScale}`, kernel: FUSED.adamStepAll, grads: false,
    fn: (g) => {
      let ps = shapes.map((sh) => g.randn(sh)), ms = ps.map((p) => tf.zerosLike(p)), vs = ps.map((p) => tf.zerosLike(p));
      for (let step = 1; step <= 3; step++) {
        const rs = adamStepAll(ps, shapes.map((sh) => g.randn(sh, 0.1)), ms, vs, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, pScale });
        [ps, ms, vs] = [rs.map((r) => r.param), rs.map((r) => r.m), rs.map((r) => r.v)];
      }
      return [...ps, ...ms, ...vs];
    },
  });
}

// The optimiser itself: AdamW's apply goes through the list kernel on libtorch, one variable at a
// time through the composite on cpu; a variable without a gradient is skipped.
cases.push({
  name: 'AdamW.apply, three steps over three variables (one without a gradient)', kernel: FUSED.adamStepAll, grads: false,
  fn: (g) => {
    const vars = [[5, 3], [3], [2, 2]].map((sh) => tf.variable(g.randn(sh)));
    const opt = new AdamW({ lr: 1e-2, weightDecay: 0.05 });
    for (let step = 0; step < 3; step++) {
      const grads = vars.map((v, i) => (i === 2 ? null : g.randn(v.shape, 0.1))) as tf.Tensor[];
      opt.apply(vars, grads, 1e-2);
      tf.dispose(grads.filter((x) => x !== null));
    }
    const out = [...vars.map((v) => tf.clone(v)), ...opt.state().values()];
    tf.dispose(vars);
    opt.dispose();
    return out;
  },
});

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

  it('tanh RNN, FiLM and the global norm match closed forms on libtorch', async () => {
    await tf.setBackend('libtorch');
    // B = 1, H = 1, T = 2: h1 = tanh(x1 + w·h0), h2 = tanh(x2 + w·h1);
    // d h2/d x1 = (1 − h2²)·w·(1 − h1²), d h2/d w = (1 − h2²)·(h1 + w·(1 − h1²)·h0), d h2/d h0 = (1 − h2²)·w·(1 − h1²)·w.
    const [x1, x2, h0v, w] = [0.3, -0.8, 0.5, 1.7];
    const h1 = Math.tanh(x1 + w * h0v), h2 = Math.tanh(x2 + w * h1);
    const xp = tf.tensor3d([[[x1], [x2]]]), h0 = tf.tensor2d([[h0v]]), wh = tf.tensor2d([[w]]);
    const r = rnnTanhSequence(xp, h0, wh);
    expect(Array.from(r.hs.dataSync())).toEqual([expect.closeTo(h1, 6), expect.closeTo(h2, 6)]);
    const [dx, dh0, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => rnnTanhSequence(a as tf.Tensor3D, b as tf.Tensor2D, c as tf.Tensor2D).h)([xp, h0, wh]);
    const s2 = 1 - h2 * h2, s1 = 1 - h1 * h1;
    expect(Array.from(dx.dataSync())).toEqual([expect.closeTo(s2 * w * s1, 5), expect.closeTo(s2, 5)]);
    expect(dh0.dataSync()[0]).toBeCloseTo(s2 * w * s1 * w, 5);
    expect(dw.dataSync()[0]).toBeCloseTo(s2 * (h1 + w * s1 * h0v), 5);
    // FiLM: [2, -1]·(1 + [0.5, 3]) + [−1, 0.25] = [2, −3.75]; dy = 1: dx = 1 + scale, dss = [x, 1].
    const x = tf.tensor2d([[2, -1]]), ss = tf.tensor2d([[0.5, 3, -1, 0.25]]);
    expect(Array.from(film(x, ss).dataSync())).toEqual([2, -3.75]);
    const [gx, gss] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(film(a, b)))([x, ss]);
    expect(Array.from(gx.dataSync())).toEqual([1.5, 4]);
    expect(Array.from(gss.dataSync())).toEqual([2, -1, 1, 1]);
    // ‖[3, 4]‖ and ‖[12]‖ together: 13; clipped to 6.5, every entry halves (up to the 1e-6 of the coefficient).
    const c = clipGradNorm([tf.tensor1d([3, 4]), tf.tensor2d([[12]])], 6.5);
    expect(c.totalNorm).toBe(13);
    expect(Array.from(c.grads[0].dataSync())).toEqual([expect.closeTo(1.5, 5), expect.closeTo(2, 5)]);
    expect(c.grads[1].dataSync()[0]).toBeCloseTo(6, 5);
    expect(() => film(x, tf.zeros([1, 3]))).toThrow(/FiLM takes/);
  });

  it('linear computes the data input\'s gradient only when something needs it', async () => {
    await tf.setBackend('libtorch');
    const g = new Gen(3);
    const x = g.randn([6, 4]), w = tf.variable(g.randn([4, 3])), b = tf.variable(g.randn([3]));
    const count = async (f: () => void) => (await tf.profile(f)).kernels.filter((k) => k.name === 'BatchMatMul').length;
    // Variables only: dW (one product), no dx.
    expect(await count(() => { tf.dispose(tf.variableGrads(() => tf.sum(affine(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D)) as tf.Scalar, [w, b]).grads); })).toBe(1);
    // And x too: two.
    expect(await count(() => { tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(affine(a as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D)))([x])); })).toBe(1);
    expect(await count(() => { tf.dispose(tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(affine(a as tf.Tensor2D, c as tf.Tensor2D, b as tf.Tensor1D)))([x, w])); })).toBe(2);
    tf.dispose([x, w, b]);
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

