/** BatchMatMul / _FusedMatMul on wasm, kept on the XNNPACK path. */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, NamedAttrMap, NamedTensorInfoMap, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { input, type WasmOps } from './ops.ts';

// MatMul: the wasm C++ uses XNNPACK only for an untransposed 2-D product, so transpose operands
// explicitly, fold a batch into rows when `b` is shared, and split a true batch into 2-D products.

/**
 * Below this many multiply-adds per batch entry, the per-slice copies and XNNPACK operator setup
 * cost more than the scalar loop (measured, batch 8 of d×d×d: d=32 split 0.70 ms vs 0.28 ms stock;
 * d=48 1.4 vs 2.1 ms; d=128 8 vs 31 ms).
 */
const BATCH_SPLIT_MIN_MACS = 40 * 40 * 40;

export function matMul(
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

