/**
 * The wasm training kernels against the pure-JS cpu backend, which implements every kernel
 * directly from its definition: same inputs (drawn from Rng), same ops, compare every output.
 * Tolerance: max |wasm − cpu| / max |cpu| ≤ 1e-5 for unit cases (float32 sums in a different
 * order give ~1e-7..5e-7 here); 2e-5 for the whole autoencoder, whose gradients pass through ~20
 * ops (measured worst 2.1e-6).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { registerWasmTrainingKernels, wasmTrainingKernelsRegistered } from '../framework/backends/wasm/index.ts';
import { Rng } from '../framework/util/rng.ts';
import { buildConvAE, randomImages } from '../bench/reference-conv-ae.ts';

type Outputs = Record<string, Float32Array>;
interface Case {
  name: string;
  tol: number;
  run: () => Outputs;
}

const UNIT_TOL = 1e-5;
const AE_TOL = 2e-5;

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(new Rng(seed).fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1), shape);
}

function read(ts: Record<string, tf.Tensor>): Outputs {
  const out: Outputs = {};
  for (const [k, t] of Object.entries(ts)) out[k] = t.dataSync() as Float32Array;
  return out;
}

// ---- convolutions: every kernel size 1–5 × stride 1–3 × same/valid/explicit pads -------------
/** tfjs's ExplicitPadding (not exported from the package root): [[0,0],[top,bottom],[left,right],[0,0]] */
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvSpec {
  xs: [number, number, number, number];
  k: [number, number];
  co: number;
  s: [number, number];
  pad: Pad;
}

function convSpecs(): ConvSpec[] {
  const specs: ConvSpec[] = [];
  let i = 0;
  for (let k = 1; k <= 5; k++) {
    for (let s = 1; s <= 3; s++) {
      for (const kind of ['same', 'valid', 'explicit'] as const) {
        i++;
        const pad: Pad = kind === 'explicit' ? [[0, 0], [i % 3, (i + 1) % 3], [(i + 2) % 3, i % 2], [0, 0]] : kind;
        // odd and even sizes, non-square, 1–4 in / 1–5 out channels, batch 1–2
        specs.push({ xs: [1 + (i % 2), 5 + k + (i % 4), 4 + k + ((3 * i) % 5), 1 + (i % 4)], k: [k, k], co: 1 + ((2 * i) % 5), s: [s, s], pad });
      }
    }
  }
  // Shapes the grid misses: non-square kernels and strides, pads larger than the kernel (every
  // phase plan shifted), stride larger than the kernel with 'same', a 1×1 output.
  specs.push({ xs: [2, 9, 11, 3], k: [3, 2], co: 4, s: [2, 3], pad: 'same' });
  specs.push({ xs: [1, 8, 7, 2], k: [2, 2], co: 3, s: [3, 3], pad: [[0, 0], [3, 1], [0, 4], [0, 0]] });
  specs.push({ xs: [2, 7, 7, 2], k: [1, 1], co: 3, s: [3, 2], pad: 'same' });
  specs.push({ xs: [1, 4, 4, 3], k: [4, 4], co: 2, s: [2, 2], pad: 'valid' });
  specs.push({ xs: [2, 16, 16, 8], k: [4, 4], co: 16, s: [2, 2], pad: 'same' }); // the AE's layer shape
  specs.push({ xs: [1, 1, 5, 2], k: [2, 2], co: 3, s: [3, 1], pad: [[0, 0], [3, 0], [0, 0], [0, 0]] }); // taps only in padding rows
  return specs;
}

const padName = (p: Pad): string => (typeof p === 'string' ? p : `pad${JSON.stringify(p.slice(1, 3))}`);

function convCase(c: ConvSpec, seed: number): Case {
  const name = `conv x${c.xs.join('x')} k${c.k.join('x')} s${c.s.join('x')} ${padName(c.pad)} co${c.co}`;
  return {
    name,
    tol: UNIT_TOL,
    run: () =>
      tf.tidy(() => {
        const x = rand(c.xs, seed) as tf.Tensor4D;
        const f = rand([c.k[0], c.k[1], c.xs[3], c.co], seed + 1) as tf.Tensor4D;
        const conv = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => tf.conv2d(a, b, c.s, c.pad);
        const y = conv(x, f);
        const r = rand(y.shape, seed + 2) as tf.Tensor4D;
        // d/dx, d/dW of Σ conv(x,W)·r: exactly Conv2DBackpropInput(r, W) and Conv2DBackpropFilter(x, r)
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, f]);
        // conv2dTranspose forward (= Conv2DBackpropInput of a fresh y) and its gradients, where the
        // filter gradient is Conv2DBackpropFilter with the roles of image and upstream swapped
        const yIn = rand(y.shape, seed + 3) as tf.Tensor4D;
        const q = rand(c.xs, seed + 4);
        const convT = (a: tf.Tensor, b: tf.Tensor): tf.Tensor4D => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.xs, c.s, c.pad);
        const [tdy, tdw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(convT(a, b), q)))([yIn, f]);
        return read({ y, dx, dw, convT: convT(yIn, f), convT_dy: tdy, convT_dw: tdw });
      }),
  };
}

// ---- forward convolutions with 'same' pads (stock wasm gets some stride > kernel shapes wrong) --
function samePadCase(xs: [number, number, number, number], k: number, s: number, seed: number): Case {
  return {
    name: `same-pad forward x${xs.join('x')} k${k} s${s}: conv2d, fused conv2d, depthwise`,
    tol: UNIT_TOL,
    run: () =>
      tf.tidy(() => {
        const x = rand(xs, seed) as tf.Tensor4D;
        const f = rand([k, k, xs[3], 3], seed + 1) as tf.Tensor4D;
        const bias = rand([3], seed + 2);
        const fd = rand([k, k, xs[3], 2], seed + 3) as tf.Tensor4D;
        return read({
          conv: tf.conv2d(x, f, s, 'same'),
          fused: tf.fused.conv2d({ x, filter: f, strides: s, pad: 'same', bias, activation: 'relu' }),
          depthwise: tf.depthwiseConv2d(x, fd, s, 'same'),
        });
      }),
  };
}
const samePadCases = [
  samePadCase([1, 7, 9, 1], 2, 3, 5001),
  samePadCase([2, 8, 8, 2], 1, 2, 5011),
  samePadCase([1, 11, 10, 3], 2, 3, 5021),
  samePadCase([2, 9, 9, 2], 3, 2, 5031),
];

// ---- matmul: every transpose combination × 2-D, batched, broadcast and rank-4 shapes ----------
interface MatSpec {
  a: number[]; // logical (untransposed) shapes: a [..., m, k], b [..., k, n]
  b: number[];
}
const matSpecs: MatSpec[] = [
  { a: [7, 5], b: [5, 6] },
  { a: [3, 7, 5], b: [3, 5, 6] }, // true batch, below the split threshold
  { a: [4, 48, 40], b: [4, 40, 44] }, // true batch, split into 2-D XNNPACK products
  { a: [1, 48, 40], b: [4, 40, 44] }, // a broadcast over a batch of b
  { a: [3, 7, 5], b: [5, 6] }, // b shared: rows folded into one 2-D product
  { a: [3, 7, 5], b: [1, 5, 6] },
  { a: [2, 3, 7, 5], b: [2, 3, 5, 6] }, // rank 4
  { a: [1, 1, 9], b: [1, 9, 1] }, // vector products
];

const swapLast = (shape: number[]): number[] => [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]];
const perm = (rank: number): number[] => [...Array(rank - 2).keys(), rank - 1, rank - 2];

function matCase(m: MatSpec, ta: boolean, tb: boolean, fused: boolean, seed: number): Case {
  const label = `${fused ? 'fused ' : ''}matMul a${m.a.join('x')}${ta ? 'ᵀ' : ''} b${m.b.join('x')}${tb ? 'ᵀ' : ''}`;
  return {
    name: label,
    tol: UNIT_TOL,
    run: () =>
      tf.tidy(() => {
        // store operands already transposed so matMul(…, ta, tb) computes the logical product
        const a = rand(ta ? swapLast(m.a) : m.a, seed);
        const b = rand(tb ? swapLast(m.b) : m.b, seed + 1);
        const n = m.b[m.b.length - 1];
        const bias = rand([n], seed + 2);
        const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor =>
          fused ? tf.fused.matMul({ a: x, b: y, transposeA: ta, transposeB: tb, bias, activation: 'relu' }) : tf.matMul(x, y, ta, tb);
        const out = f(a, b);
        // an independent reference for the forward: the product of explicitly transposed operands
        const plain = tf.matMul(ta ? tf.transpose(a, perm(a.rank)) : a, tb ? tf.transpose(b, perm(b.rank)) : b);
        // tfjs-core 4.22's BatchMatMul gradient cannot reduce broadcast batch dims (on any backend)
        if (JSON.stringify(m.a.slice(0, -2)) !== JSON.stringify(m.b.slice(0, -2))) return read({ out, plain });
        const r = rand(out.shape, seed + 3);
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), r)))([a, b]);
        return read({ out, da, db, plain });
      }),
  };
}

function matCases(): Case[] {
  const cases: Case[] = [];
  let seed = 1000;
  for (const m of matSpecs) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        cases.push(matCase(m, ta, tb, false, (seed += 10)));
        // tfjs fused matMul supports rank ≤ 3 only
        if (m.a.length <= 3 && m.b.length <= 3) cases.push(matCase(m, ta, tb, true, (seed += 10)));
      }
    }
  }
  return cases;
}

// ---- the reference conv autoencoder (docs/backend-notes.md), batch 2, every gradient -----------
const aeCase: Case = {
  name: 'reference conv AE 64×64 batch 2: loss and all 24 gradients (tf.variableGrads)',
  tol: AE_TOL,
  run: () => {
    const ae = buildConvAE(7);
    const x = randomImages(9, 2);
    const { value, grads } = tf.variableGrads(() => ae.loss(x), ae.vars);
    const out: Outputs = { loss: value.dataSync() as Float32Array };
    for (const v of ae.vars) out[v.name] = grads[v.name].dataSync() as Float32Array;
    tf.dispose([value, x, ...Object.values(grads), ...ae.vars]);
    return out;
  },
};

const convCases = convSpecs().map((c, i) => convCase(c, 10 * i + 1));
const allCases: Case[] = [...convCases, ...samePadCases, ...matCases(), aeCase];

function relDiff(ref: Float32Array, got: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

const reference: Outputs[] = [];
const onWasm: Outputs[] = [];

beforeAll(async () => {
  await selectBackend('cpu');
  for (const c of allCases) reference.push(c.run());
  await selectBackend('wasm');
  for (const c of allCases) onWasm.push(c.run());
});

describe('wasm training kernels match the cpu backend', () => {
  allCases.forEach((c, i) => {
    it(c.name, () => {
      const ref = reference[i];
      const got = onWasm[i];
      expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
      for (const key of Object.keys(ref)) {
        expect(got[key].length, `${key} size`).toBe(ref[key].length);
        expect(got[key].every(Number.isFinite), `${key} finite`).toBe(true);
        expect(relDiff(ref[key], got[key]), `${key} relative max diff`).toBeLessThanOrEqual(c.tol);
      }
    });
  });
});

describe('wasm training kernels: registration and memory', () => {
  it('are registered on wasm, including the kernel stock wasm lacks', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('registering twice changes nothing and results stay identical', () => {
    const before = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul'].map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    registerWasmTrainingKernels();
    const after = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul'].map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    expect(after).toEqual(before);
    const again = convCases[7].run();
    for (const key of Object.keys(again)) expect(Array.from(again[key])).toEqual(Array.from(onWasm[7][key]));
  });

  it('free every intermediate buffer they allocate', () => {
    const backend = tf.backend();
    const run = (): void => {
      for (const c of [...convCases.slice(0, 12), ...matCases().slice(0, 12)]) c.run();
    };
    run(); // warm up lazily created state
    const buffers = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
