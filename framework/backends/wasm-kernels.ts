/**
 * Training kernels for @tensorflow/tfjs-backend-wasm 4.22.
 *
 * The stock wasm backend cannot train a conv net: it has no Conv2DBackpropFilter, its
 * Conv2DBackpropInput is a scalar C++ loop, and its BatchMatMul leaves XNNPACK for a scalar loop as
 * soon as an operand is transposed or the batch is > 1 (every dense backward pass). The kernels
 * here are registered over the stock ones and are built only from fast wasm kernels (XNNPACK
 * Conv2D and matmul, Transpose) plus small JS loops, so the heavy lifting stays in XNNPACK.
 * Measurements and derivations: shared/research/backend.md (reference conv-AE step 2.9 s → ~0.3 s).
 */
import * as tf from '@tensorflow/tfjs-core';
import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  BatchMatMulAttrs,
  _FusedMatMulAttrs,
} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm'; // registers the wasm backend and its stock kernels, which these build on
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { UntangleError } from '../util/errors.ts';

const BACKEND = 'wasm';
const SAME_PAD_KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative'] as const;
/** The stock kernels we build on (and, for the replaced ones, fall back to). */
const BASE_KERNELS = ['Conv2DBackpropInput', 'Transpose', 'Slice', 'BatchMatMul', '_FusedMatMul', ...SAME_PAD_KERNELS] as const;
type BaseKernel = (typeof BASE_KERNELS)[number];
type Stock = Record<BaseKernel, KernelConfig>;

/**
 * The stock kernel configs, captured once per process. Kept on globalThis (not in a module
 * variable) so that a second copy of this module can never capture our own replacements as the
 * "originals" and recurse forever.
 */
const STOCK_KEY = Symbol.for('untangle.wasmTrainingKernels.stock');
type GlobalWithStock = typeof globalThis & { [STOCK_KEY]?: Stock };

/** Bumped whenever a kernel's numerics change; recorded in the run fingerprint. */
export const WASM_TRAINING_KERNELS_VERSION = 'untangle-wasm-train-1';

/** The independent groups of kernels; all are on by default (benchmarks compare subsets). */
export interface WasmKernelParts {
  /** Conv2DBackpropFilter (missing from stock wasm: without it no conv net trains). */
  filterGrad: boolean;
  /** Conv2DBackpropInput as a sub-pixel conv. */
  inputGrad: boolean;
  /** BatchMatMul / _FusedMatMul on the XNNPACK path. */
  matMul: boolean;
  /** Conv2D / FusedConv2D / DepthwiseConv2dNative with 'same' passed as explicit pads. */
  samePad: boolean;
}

/**
 * Registers the training kernels over the stock wasm ones. Idempotent: the first call in a
 * process decides; later calls do nothing. Call before or after the wasm backend initialises.
 */
export function registerWasmTrainingKernels(parts: Partial<WasmKernelParts> = {}): void {
  const want: WasmKernelParts = { filterGrad: true, inputGrad: true, matMul: true, samePad: true, ...parts };
  const g = globalThis as GlobalWithStock;
  if (g[STOCK_KEY]) return; // already registered in this process
  const stock = {} as Stock;
  for (const name of BASE_KERNELS) {
    const k = tf.getKernel(name, BACKEND);
    if (!k) {
      throw new UntangleError(
        'wasm_kernel_missing',
        `the wasm backend has no '${name}' kernel to build the training kernels on`,
        { kernel: name, tfjsCore: tf.version_core },
        "install @tensorflow/tfjs-backend-wasm 4.22.0, the version these kernels are written against",
      );
    }
    stock[name] = k;
  }
  g[STOCK_KEY] = stock;

  const replace = (kernelName: string, kernelFunc: KernelFunc, keepSetupOf?: BaseKernel): void => {
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    // Keep the stock setupFunc: it binds the C++ entry point the fallback path still calls, and it
    // only runs at backend init, so dropping it would break a backend initialised after this call.
    const base = keepSetupOf ? stock[keepSetupOf] : undefined;
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: base?.setupFunc,
      disposeFunc: base?.disposeFunc,
    });
  };
  const ops = new WasmOps(stock);
  if (want.filterGrad) replace('Conv2DBackpropFilter', (a) => conv2dBackpropFilter(ops, wasmOf(a.backend), a.inputs, a.attrs));
  if (want.inputGrad) {
    replace('Conv2DBackpropInput', (a) => conv2dBackpropInput(ops, wasmOf(a.backend), a.inputs, a.attrs), 'Conv2DBackpropInput');
  }
  if (want.matMul) {
    replace('BatchMatMul', (a) => matMul(ops, wasmOf(a.backend), a.inputs, a.attrs, 'BatchMatMul'), 'BatchMatMul');
    replace('_FusedMatMul', (a) => matMul(ops, wasmOf(a.backend), a.inputs, a.attrs, '_FusedMatMul'), '_FusedMatMul');
  }
  if (want.samePad) {
    for (const name of SAME_PAD_KERNELS) {
      replace(name, (a) => withExplicitSamePad(ops, wasmOf(a.backend), name, a.inputs, a.attrs), name);
    }
  }
}

/** True once registerWasmTrainingKernels() has run in this process. */
export function wasmTrainingKernelsRegistered(): boolean {
  return (globalThis as GlobalWithStock)[STOCK_KEY] !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Plumbing: calling stock kernels directly (no engine bookkeeping) and freeing their outputs.

function wasmOf(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}

function input(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new UntangleError('wasm_kernel_input', `kernel input '${name}' is missing`, { input: name });
  return t;
}

class WasmOps {
  constructor(readonly stock: Stock) {}

  call(backend: BackendWasm, name: BaseKernel, inputs: NamedTensorInfoMap, attrs: object): TensorInfo {
    const out = this.stock[name].kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap });
    return Array.isArray(out) ? out[0] : out;
  }

  transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
    return this.call(backend, 'Transpose', { x }, { perm });
  }

  free(backend: BackendWasm, ...ts: TensorInfo[]): void {
    for (const t of ts) backend.disposeData(t.dataId);
  }
}

type Shape4 = [number, number, number, number];

// ---------------------------------------------------------------------------------------------
// 'same' padding as explicit pads. The stock wasm convolutions hand 'same' to XNNPACK as its
// TensorFlow-SAME flag, which gives wrong outputs for some stride > kernel shapes (e.g. conv2d
// [1,7,9,1] * [2,2,1,3], stride 3: all zeros). Passing the pads tfjs itself computes for 'same'
// is the same arithmetic by definition and is always right.

interface SamePadAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: unknown;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function withExplicitSamePad(
  ops: WasmOps, backend: BackendWasm, name: (typeof SAME_PAD_KERNELS)[number], inputs: NamedTensorInfoMap, rawAttrs: NamedAttrMap | undefined,
): TensorInfo {
  const attrs = rawAttrs as unknown as SamePadAttrs;
  if (attrs.pad !== 'same' || attrs.dataFormat === 'NCHW') return ops.call(backend, name, inputs, attrs);
  const x = input(inputs, 'x');
  const filter = input(inputs, 'filter');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.dilations ?? 1, 'same', attrs.dimRoundingMode,
    name === 'DepthwiseConv2dNative', 'channelsLast',
  );
  const { top, bottom, left, right } = info.padInfo;
  return ops.call(backend, name, inputs, { ...attrs, pad: [[0, 0], [top, bottom], [left, right], [0, 0]] });
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter as one dilated XNNPACK conv.
//
// dW[i,j,c,o] = Σ_{n,p,q} x[n, s·p+i-top, s·q+j-left, c] · dy[n,p,q,o]. Read x as a batch of C
// images [C,H,W,N] with N channels and dy as a filter [oh,ow,N,co] dilated by the stride: a stride-1
// conv of the two, padded by (top, left), is exactly dW laid out as [C,kh,kw,co].
// The bottom/right pads make the conv output exactly kh×kw; a negative one means the last rows of x
// never reach any output (a 'valid' conv whose stride does not divide), so those rows are cropped.

function conv2dBackpropFilter(ops: WasmOps, backend: BackendWasm, inputs: NamedTensorInfoMap, rawAttrs: NamedAttrMap | undefined): TensorInfo {
  const attrs = rawAttrs as unknown as Conv2DBackpropFilterAttrs;
  let x = input(inputs, 'x');
  const dy = input(inputs, 'dy');
  if (attrs.dataFormat === 'NCHW') {
    throw new UntangleError(
      'wasm_kernel_unsupported',
      "Conv2DBackpropFilter on wasm supports only dataFormat 'NHWC' (as does the wasm Conv2D itself)",
      { dataFormat: attrs.dataFormat },
      'use channels-last tensors on the wasm backend',
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const [kh, kw] = attrs.filterShape;
  const { top, left } = info.padInfo;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const [n, h, w, c] = x.shape;
  const bottom = kh + sh * (info.outHeight - 1) - h - top;
  const right = kw + sw * (info.outWidth - 1) - w - left;
  if (h + Math.min(bottom, 0) <= 0 || w + Math.min(right, 0) <= 0) {
    // Every tap of every output lies in the padding (explicit pads larger than the image): dW = 0.
    const zeros = backend.makeOutput(attrs.filterShape, 'float32');
    backend.typedArrayFromHeap(zeros).fill(0);
    return zeros;
  }
  const toFree: TensorInfo[] = [];
  if (bottom < 0 || right < 0) {
    x = ops.call(backend, 'Slice', { x }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(bottom, 0), w + Math.min(right, 0), c] });
    toFree.push(x);
  }
  const xt = ops.transpose(backend, x, [3, 1, 2, 0]); // [C, H, W, N]
  const dyt = ops.transpose(backend, dy, [1, 2, 0, 3]); // [oh, ow, N, co]
  const pad = [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]];
  const r = ops.call(backend, 'Conv2D', { x: xt, filter: dyt }, { strides: 1, pad, dataFormat: 'NHWC', dilations: [sh, sw] });
  const dw = ops.transpose(backend, r, [1, 2, 0, 3]); // [C,kh,kw,co] -> [kh,kw,C,co]
  ops.free(backend, xt, dyt, r, ...toFree);
  return dw;
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput (conv dx, and the forward of conv2dTranspose) as a sub-pixel conv.
//
// Per axis, with forward y[p] = Σ_k x[s·p + k - top] W[k]: output row i = s·a + b (phase b < s)
// gets dx[i] = Σ_{d ∈ D_b} dy[a-d] · W[s·d + b + top], D_b = {d : 0 ≤ s·d+b+top < K} = [lo_b, hi_b].
// Shifting phase b's row index to a' = a + P - hi_b (P = max hi_b) makes every phase read the same
// window dy[a'-P .. a'-P+T-1] (T = max |D_b|), so ONE stride-1 XNNPACK conv over dy, with a T×T
// kernel and s_h·s_w·C output channels (one block per phase pair), computes every phase. A JS
// gather then interleaves the phases (wasm DepthToSpace is a slow generic loop).

interface AxisPlan {
  /** hi_b for each phase b, or null when the phase gets no tap (s > k): those rows are zero. */
  hi: (number | null)[];
  lo: (number | null)[];
  taps: number; // T
  shift: number; // P
  outLen: number; // L: conv output rows needed
  padBefore: number; // may be negative: crop dy instead
  padAfter: number;
}

function planAxis(k: number, s: number, top: number, xLen: number, dyLen: number): AxisPlan | null {
  const lo: (number | null)[] = [];
  const hi: (number | null)[] = [];
  for (let b = 0; b < s; b++) {
    // smallest / largest d with 0 <= s*d + b + top <= k-1
    const dLo = Math.ceil((-b - top) / s);
    const dHi = Math.floor((k - 1 - b - top) / s);
    const used = b < xLen && dLo <= dHi;
    lo.push(used ? dLo : null);
    hi.push(used ? dHi : null);
  }
  let taps = 0;
  let shift = -Infinity;
  for (let b = 0; b < s; b++) {
    const l = lo[b];
    const h = hi[b];
    if (l === null || h === null) continue;
    taps = Math.max(taps, h - l + 1);
    shift = Math.max(shift, h);
  }
  if (taps === 0) return null;
  let outLen = 0;
  for (let b = 0; b < s; b++) {
    const h = hi[b];
    if (h === null) continue;
    const rows = Math.ceil((xLen - b) / s);
    outLen = Math.max(outLen, rows - 1 + shift - h + 1);
  }
  return { lo, hi, taps, shift, outLen, padBefore: shift, padAfter: outLen + taps - 1 - shift - dyLen };
}

function conv2dBackpropInput(ops: WasmOps, backend: BackendWasm, inputs: NamedTensorInfoMap, rawAttrs: NamedAttrMap | undefined): TensorInfo {
  const attrs = rawAttrs as unknown as Conv2DBackpropInputAttrs;
  const dy = input(inputs, 'dy');
  const filter = input(inputs, 'filter');
  const stock = (): TensorInfo => ops.call(backend, 'Conv2DBackpropInput', inputs, attrs);
  if (attrs.dataFormat === 'NCHW' || filter.dtype !== 'float32' || dy.dtype !== 'float32') return stock();
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const [n, h, w, c] = attrs.inputShape;
  const [k1, k2, , co] = filter.shape;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const py = planAxis(k1, sh, info.padInfo.top, h, dy.shape[1]);
  const px = planAxis(k2, sw, info.padInfo.left, w, dy.shape[2]);
  if (!py || !px) return stock();
  // Negative pads mean dy rows/cols no output reads: crop them instead of padding.
  const cropTop = Math.max(0, -py.padBefore);
  const cropLeft = Math.max(0, -px.padBefore);
  const keepH = dy.shape[1] - cropTop - Math.max(0, -py.padAfter);
  const keepW = dy.shape[2] - cropLeft - Math.max(0, -px.padAfter);
  if (keepH <= 0 || keepW <= 0) return stock(); // no dy row reaches dx: degenerate explicit pads
  let src = dy;
  if (keepH !== dy.shape[1] || keepW !== dy.shape[2]) {
    src = ops.call(backend, 'Slice', { x: dy }, { begin: [0, cropTop, cropLeft, 0], size: [dy.shape[0], keepH, keepW, co] });
  }

  // Phase kernel [Ty, Tx, co, S·C], built in JS from W [k1, k2, C, co] (small: < 1 ms).
  const phases = sh * sw;
  const outC = phases * c;
  const kern = backend.makeOutput([py.taps, px.taps, co, outC], 'float32');
  const kv = backend.typedArrayFromHeap(kern) as Float32Array;
  kv.fill(0);
  const wv = backend.typedArrayFromHeap(filter) as Float32Array;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let by = 0; by < sh; by++) {
    const hiY = py.hi[by];
    const loY = py.lo[by];
    if (hiY === null || loY === null) continue;
    for (let ty = 0; ty < py.taps; ty++) {
      const d = hiY - ty;
      if (d < loY) break;
      const i = sh * d + by + top;
      for (let bx = 0; bx < sw; bx++) {
        const hiX = px.hi[bx];
        const loX = px.lo[bx];
        if (hiX === null || loX === null) continue;
        for (let tx = 0; tx < px.taps; tx++) {
          const e = hiX - tx;
          if (e < loX) break;
          const j = sw * e + bx + left;
          const phaseBase = (by * sw + bx) * c;
          for (let ci = 0; ci < c; ci++) {
            const wBase = ((i * k2 + j) * c + ci) * co;
            let kIdx = (ty * px.taps + tx) * co * outC + phaseBase + ci;
            for (let o = 0; o < co; o++, kIdx += outC) kv[kIdx] = wv[wBase + o];
          }
        }
      }
    }
  }
  const pad = [[0, 0], [Math.max(0, py.padBefore), Math.max(0, py.padAfter)], [Math.max(0, px.padBefore), Math.max(0, px.padAfter)], [0, 0]];
  const y = ops.call(backend, 'Conv2D', { x: src, filter: kern }, { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 });
  ops.free(backend, kern);
  if (src !== dy) ops.free(backend, src);
  if (phases === 1 && py.outLen === h && px.outLen === w && py.shift === py.hi[0] && px.shift === px.hi[0]) return y;

  // Interleave: dx[n, s·a+b, ...] = y[n, a + P - hi_b, ..., phase block]; tap-less phases stay 0.
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const yv = backend.typedArrayFromHeap(y) as Float32Array; // views taken after the last allocation
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  const rowSrc = interleaveIndex(h, sh, py); // conv row for each dx row, or -1
  const colSrc = interleaveIndex(w, sw, px);
  let o = 0;
  for (let ni = 0; ni < n; ni++) {
    for (let r = 0; r < h; r++) {
      const ar = rowSrc[r];
      for (let q = 0; q < w; q++) {
        const aq = colSrc[q];
        if (ar < 0 || aq < 0) {
          ov.fill(0, o, o + c);
          o += c;
          continue;
        }
        let s = ((ni * py.outLen + ar) * px.outLen + aq) * outC + ((r % sh) * sw + (q % sw)) * c;
        for (let ci = 0; ci < c; ci++) ov[o++] = yv[s++];
      }
    }
  }
  ops.free(backend, y);
  return out;
}

function interleaveIndex(len: number, s: number, plan: AxisPlan): Int32Array {
  const idx = new Int32Array(len);
  for (let i = 0; i < len; i++) {
    const b = i % s;
    const hb = plan.hi[b];
    idx[i] = hb === null ? -1 : (i - b) / s + plan.shift - hb;
  }
  return idx;
}

// ---------------------------------------------------------------------------------------------
// MatMul: the wasm C++ uses XNNPACK only for an untransposed 2-D product, so transpose operands
// explicitly, fold a batch into rows when `b` is shared, and split a true batch into 2-D products.

/**
 * Below this many multiply-adds per batch entry, the per-slice copies and XNNPACK operator setup
 * cost more than the scalar loop (measured, batch 8 of d×d×d: d=32 split 0.70 ms vs 0.28 ms stock;
 * d=48 1.4 vs 2.1 ms; d=128 8 vs 31 ms).
 */
const BATCH_SPLIT_MIN_MACS = 40 * 40 * 40;

function matMul(
  ops: WasmOps,
  backend: BackendWasm,
  inputs: NamedTensorInfoMap,
  rawAttrs: NamedAttrMap | undefined,
  name: 'BatchMatMul' | '_FusedMatMul',
): TensorInfo {
  const attrs = rawAttrs as unknown as BatchMatMulAttrs & Partial<_FusedMatMulAttrs>;
  const a0 = input(inputs, 'a');
  const b0 = input(inputs, 'b');
  if (a0.dtype !== 'float32' || b0.dtype !== 'float32') return ops.call(backend, name, inputs, attrs);
  const swapLast = (r: number): number[] => [...Array(r - 2).keys(), r - 1, r - 2];
  const a = attrs.transposeA ? ops.transpose(backend, a0, swapLast(a0.shape.length)) : a0;
  const b = attrs.transposeB ? ops.transpose(backend, b0, swapLast(b0.shape.length)) : b0;
  const plain = { ...attrs, transposeA: false, transposeB: false };
  try {
    const m = a.shape[a.shape.length - 2];
    const k = a.shape[a.shape.length - 1];
    const nOut = b.shape[b.shape.length - 1];
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    if (batchA === 1 && batchB === 1) return ops.call(backend, name, { ...inputs, a, b }, plain);
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, nOut];
    // Shared b: [batch·m, k] × [k, n] is one 2-D product. Shapes stay rank 3 because the stock
    // _FusedMatMul reads dims 1 and 2 directly.
    if (batchB === 1 && foldableEpilogue(inputs, nOut)) {
      const a2: TensorInfo = { dataId: a.dataId, dtype: a.dtype, shape: [1, batchA * m, k] };
      const b2: TensorInfo = { dataId: b.dataId, dtype: b.dtype, shape: [1, k, nOut] };
      const out = ops.call(backend, name, { ...inputs, a: a2, b: b2 }, plain);
      return { ...out, shape: outShape };
    }
    // A true batch: split it into 2-D products when that is faster, and always for a fused bias,
    // which the stock _FusedMatMul applies wrongly when batch > 1 (measured against cpu).
    const epilogue = name === '_FusedMatMul' && inputs.bias !== undefined;
    const splittable = (batchA === batchB || batchA === 1) && foldableEpilogue(inputs, nOut);
    if (splittable && (epilogue || m * k * nOut >= BATCH_SPLIT_MIN_MACS)) {
      return batchSplit(ops, backend, name, inputs, plain, a, b, batchA, m, k, nOut, outShape);
    }
    return ops.call(backend, name, { ...inputs, a, b }, plain);
  } finally {
    if (a !== a0) ops.free(backend, a);
    if (b !== b0) ops.free(backend, b);
  }
}

/**
 * Rows may be folded into one product only when the fused epilogue is per output column: no PReLU
 * slope (its layout in the C++ is not per column) and a bias of exactly n values.
 */
function foldableEpilogue(inputs: NamedTensorInfoMap, nOut: number): boolean {
  if (inputs.preluActivationWeights) return false;
  const bias = inputs.bias;
  return !bias || (bias.shape.length === 1 && bias.shape[0] === nOut);
}

/** A batch of distinct products, each run as a 2-D XNNPACK matmul on copied slices. */
function batchSplit(
  ops: WasmOps, backend: BackendWasm, name: 'BatchMatMul' | '_FusedMatMul', inputs: NamedTensorInfoMap, attrs: object,
  a: TensorInfo, b: TensorInfo, batchA: number, m: number, k: number, nOut: number, outShape: number[],
): TensorInfo {
  const batch = tf.util.sizeFromShape(outShape.slice(0, -2));
  const out = backend.makeOutput(outShape, 'float32');
  const sizeA = m * k;
  const sizeB = k * nOut;
  const sizeO = m * nOut;
  const heap = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  for (let i = 0; i < batch; i++) {
    // Fresh operand tensors every time: the wasm C++ caches the packed XNNPACK operator by the
    // weight tensor's id, so refilling one buffer would silently reuse the first slice's weights.
    // Views are taken after each allocation, because growing the wasm heap detaches old views.
    const ai = backend.makeOutput([1, m, k], 'float32');
    const bi = backend.makeOutput([1, k, nOut], 'float32');
    const aOff = (batchA === 1 ? 0 : i) * sizeA;
    heap(ai).set(heap(a).subarray(aOff, aOff + sizeA));
    heap(bi).set(heap(b).subarray(i * sizeB, (i + 1) * sizeB));
    const oi = ops.call(backend, name, { ...inputs, a: ai, b: bi }, attrs);
    heap(out).set(heap(oi), i * sizeO);
    ops.free(backend, ai, bi, oi);
  }
  return out;
}
