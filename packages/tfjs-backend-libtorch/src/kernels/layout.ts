/** Layout, indexing and creation kernels: reshape/transpose/slice/concat/pad/gather/etc. */
import { backend_util, slice_util, util } from '@tensorflow/tfjs-core';
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { LibtorchError } from '../errors.ts';
import type { LibtorchBackend } from '../backend.ts';
import { dtypeCode } from '../backend.ts';
import { attrBool, attrInts, attrNum, attrPairs, attrStr, input, inputList, type KernelTable } from './types.ts';

function reshapeTo(b: LibtorchBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return b.out(b.native.reshape(b.h(x), shape));
}

/** Typed values for Fill/Range/LinSpace, made in JS exactly as the cpu backend makes them. */
function typed(dtype: DataType, n: number): Float32Array | Int32Array {
  return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

export const layoutKernels: KernelTable = {
  Reshape: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const shape = util.inferFromImplicitShape(attrInts(attrs, 'shape'), util.sizeFromShape(x.shape));
    return reshapeTo(b, x, shape);
  },
  ExpandDims: (inputs, b, attrs) => {
    const x = input(inputs, 'input');
    let dim = attrNum(attrs, 'dim');
    if (dim < 0) dim += x.shape.length + 1;
    const shape = x.shape.slice();
    shape.splice(dim, 0, 1);
    return reshapeTo(b, x, shape);
  },
  Squeeze: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const axis = attrs.axis === undefined ? [] : attrInts(attrs, 'axis');
    return reshapeTo(b, x, util.squeezeShape(x.shape, axis.length ? axis : undefined).newShape);
  },
  Transpose: (inputs, b, attrs) => b.out(b.native.transpose(b.h(input(inputs, 'x')), attrInts(attrs, 'perm'))),
  Slice: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const [begin, size] = slice_util.parseSliceParams(x as unknown as Parameters<typeof slice_util.parseSliceParams>[0], attrInts(attrs, 'begin'), attrInts(attrs, 'size'));
    return b.out(b.native.slice(b.h(x), begin, size));
  },
  StridedSlice: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const info = slice_util.sliceInfo(x.shape, attrInts(attrs, 'begin'), attrInts(attrs, 'end'), attrInts(attrs, 'strides'),
      attrNum(attrs, 'beginMask', 0), attrNum(attrs, 'endMask', 0), attrNum(attrs, 'ellipsisMask', 0),
      attrNum(attrs, 'newAxisMask', 0), attrNum(attrs, 'shrinkAxisMask', 0));
    if (info.isIdentity) return reshapeTo(b, x, info.finalShape);
    return b.out(b.native.strided(b.h(x), info.begin, info.end, info.strides, info.finalShape));
  },
  Concat: (inputs, b, attrs) => {
    const xs = inputList(inputs);
    const axis = util.parseAxisParam(attrNum(attrs, 'axis'), xs[0].shape)[0];
    return b.out(b.native.concat(xs.map((t) => b.h(t)), axis));
  },
  Pack: (inputs, b, attrs) => {
    const xs = inputList(inputs);
    let axis = attrNum(attrs, 'axis');
    if (axis < 0) axis += xs[0].shape.length + 1;
    return b.out(b.native.stack(xs.map((t) => b.h(t)), axis));
  },
  Unpack: (inputs, b, attrs) => {
    const x = input(inputs, 'value');
    const axis = util.parseAxisParam(attrNum(attrs, 'axis'), x.shape)[0];
    return b.outMany(b.native.unstack(b.h(x), axis));
  },
  SplitV: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const axis = util.parseAxisParam(attrNum(attrs, 'axis'), x.shape)[0];
    const split = attrs.numOrSizeSplits as number | number[];
    const sizes = backend_util.prepareSplitSize(x as unknown as Parameters<typeof backend_util.prepareSplitSize>[0], split, axis);
    return b.outMany(b.native.split(b.h(x), sizes, axis));
  },
  PadV2: (inputs, b, attrs) =>
    b.out(b.native.pad(b.h(input(inputs, 'x')), attrPairs(attrs, 'paddings').flat(), attrNum(attrs, 'constantValue', 0))),
  MirrorPad: (inputs, b, attrs) =>
    b.out(b.native.mirrorPad(b.h(input(inputs, 'x')), attrPairs(attrs, 'paddings').flat(), attrStr(attrs, 'mode') === 'symmetric')),
  Tile: (inputs, b, attrs) => b.out(b.native.tile(b.h(input(inputs, 'x')), attrInts(attrs, 'reps'))),
  Reverse: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    return b.out(b.native.reverse(b.h(x), util.parseAxisParam(attrInts(attrs, 'dims'), x.shape)));
  },
  BroadcastTo: (inputs, b, attrs) => b.out(b.native.broadcastTo(b.h(input(inputs, 'x')), attrInts(attrs, 'shape'))),
  GatherV2: (inputs, b, attrs) => {
    const x = input(inputs, 'x'), idx = input(inputs, 'indices');
    const axis = util.parseAxisParam(attrNum(attrs, 'axis', 0), x.shape)[0];
    let batchDims = attrNum(attrs, 'batchDims', 0);
    if (batchDims < 0) batchDims += idx.shape.length;
    return b.out(b.native.gather(b.h(x), b.h(idx), axis, batchDims));
  },
  GatherNd: (inputs, b) => b.out(b.native.gatherNd(b.h(input(inputs, 'params')), b.h(input(inputs, 'indices')))),
  ScatterNd: (inputs, b, attrs) =>
    b.out(b.native.scatterNd(b.h(input(inputs, 'indices')), b.h(input(inputs, 'updates')), attrInts(attrs, 'shape'))),
  UnsortedSegmentSum: (inputs, b, attrs) =>
    b.out(b.native.segmentSum(b.h(input(inputs, 'x')), b.h(input(inputs, 'segmentIds')), attrNum(attrs, 'numSegments'))),
  OneHot: (inputs, b, attrs) => {
    const dtype = attrStr(attrs, 'dtype', 'int32') as DataType;
    return b.out(b.native.oneHot(b.h(input(inputs, 'indices')), attrNum(attrs, 'depth'), attrNum(attrs, 'onValue', 1),
      attrNum(attrs, 'offValue', 0), dtypeCode(dtype)));
  },
  TopK: (inputs, b, attrs) => b.outMany(b.native.topk(b.h(input(inputs, 'x')), attrNum(attrs, 'k'), attrBool(attrs, 'sorted'))),
  Where: (inputs, b) => b.out(b.native.nonzero(b.h(input(inputs, 'condition')))),
  DepthToSpace: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    if (attrStr(attrs, 'dataFormat', 'NHWC') !== 'NHWC') {
      throw new LibtorchError('LIBTORCH_KERNEL_MISSING', 'DepthToSpace with NCHW is not implemented on libtorch', {}, 'use runtime.backend: wasm');
    }
    const s = attrNum(attrs, 'blockSize');
    const [n, h, w, c] = x.shape;
    const c2 = c / (s * s);
    const r1 = b.native.reshape(b.h(x), [n, h, w, s, s, c2]);
    const r2 = b.native.transpose(r1, [0, 1, 3, 2, 4, 5]);
    b.native.free(r1);
    const out = b.native.reshape(r2, [n, h * s, w * s, c2]);
    b.native.free(r2);
    return b.out(out);
  },
  Fill: (_inputs, b, attrs) => {
    const shape = attrInts(attrs, 'shape');
    const dtype = (attrStr(attrs, 'dtype') || 'float32') as DataType;
    const v = typed(dtype, util.sizeFromShape(shape));
    v.fill(attrNum(attrs, 'value'));
    return b.makeTensorInfo(shape, dtype, v);
  },
  Range: (_inputs, b, attrs) => {
    const start = attrNum(attrs, 'start'), stop = attrNum(attrs, 'stop'), step = attrNum(attrs, 'step', 1);
    const dtype = (attrStr(attrs, 'dtype') || 'float32') as DataType;
    const n = start === stop || (start < stop && step < 0) || (stop < start && step > 0) ? 0 : Math.ceil(Math.abs((stop - start) / step));
    const v = typed(dtype, n);
    if (n > 0) v[0] = start;
    for (let i = 1; i < n; i++) v[i] = v[i - 1] + step;
    return b.makeTensorInfo([n], dtype, v);
  },
  LinSpace: (_inputs, b, attrs) => {
    const start = attrNum(attrs, 'start'), stop = attrNum(attrs, 'stop'), num = attrNum(attrs, 'num');
    const v = new Float32Array(num);
    const step = (stop - start) / (num - 1);
    v[0] = start;
    for (let i = 1; i < num; i++) v[i] = v[i - 1] + step;
    return b.makeTensorInfo([num], 'float32', v);
  },
};
