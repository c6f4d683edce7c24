/**
 * Convolutions, pooling and resizing, forward and gradient, in NHWC. Geometry (padding, output
 * sizes) comes from tfjs' own backend_util so 'same'/'valid'/explicit pads mean exactly what they
 * mean on the cpu backend; the addon receives explicit [top, bottom, left, right] pads.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { LibtorchError } from '../errors.ts';
import type { LibtorchBackend } from '../backend.ts';
import { applyActivation } from './activation.ts';
import { attrBool, attrInts, attrNum, attrStr, input, type KernelTable, type LibtorchKernel } from './types.ts';

type Conv2DInfo = backend_util.Conv2DInfo;
type PadArg = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function requireNHWC(attrs: NamedAttrMap, kernel: string): void {
  const f = attrStr(attrs, 'dataFormat', 'NHWC');
  if (f !== 'NHWC' && f !== 'channelsLast') {
    throw new LibtorchError('LIBTORCH_KERNEL_MISSING', `${kernel} with dataFormat ${f} is not implemented on libtorch`, { kernel, dataFormat: f }, 'use NHWC tensors, or runtime.backend: wasm');
  }
}
function pair(v: number[]): [number, number] { return v.length === 1 ? [v[0], v[0]] : [v[0], v[1]]; }
const padArg = (attrs: NamedAttrMap): PadArg => attrs.pad as PadArg;
const rounding = (attrs: NamedAttrMap): Rounding => attrs.dimRoundingMode as Rounding;
const dilations = (attrs: NamedAttrMap): [number, number] => (attrs.dilations === undefined || attrs.dilations === null ? [1, 1] : pair(attrInts(attrs, 'dilations')));
const pads = (info: Conv2DInfo): number[] => [info.padInfo.top, info.padInfo.bottom, info.padInfo.left, info.padInfo.right];

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap, depthwise: boolean): Conv2DInfo {
  const strides = pair(attrInts(attrs, 'strides'));
  const shape4 = xShape as [number, number, number, number];
  const f4 = filterShape as [number, number, number, number];
  return backend_util.computeConv2DInfo(shape4, f4, strides, dilations(attrs), padArg(attrs), rounding(attrs), depthwise);
}

/** Conv2D / DepthwiseConv2dNative and their fused variants (bias + activation). */
function conv(depthwise: boolean, fused: boolean, name: string): LibtorchKernel {
  return (inputs, b, attrs) => {
    requireNHWC(attrs, name);
    const x = input(inputs, 'x'), f = input(inputs, 'filter');
    const info = convInfo(x.shape, f.shape, attrs, depthwise);
    const bias = fused ? inputs.bias : undefined;
    const outC = info.outChannels;
    // A per-channel bias goes into the convolution; any other broadcastable bias is added after.
    const inConv = bias !== undefined && bias.shape.length === 1 && bias.shape[0] === outC;
    let h = b.native.conv2d(b.h(x), b.h(f), inConv ? b.h(bias) : null, [info.strideHeight, info.strideWidth], pads(info),
      [info.dilationHeight, info.dilationWidth], depthwise);
    if (bias && !inConv) {
      const s = b.native.binary(b.binaryCode('add'), h, b.h(bias));
      b.native.free(h);
      h = s;
    }
    if (fused) {
      const prelu = inputs.preluActivationWeights ? b.h(inputs.preluActivationWeights) : null;
      h = applyActivation(b, h, attrStr(attrs, 'activation', 'linear'), prelu, attrNum(attrs, 'leakyreluAlpha', 0.2));
    }
    b.native.shapeOf(h);
    return b.out(h);
  };
}

function convBackpropInput(depthwise: boolean, name: string): LibtorchKernel {
  return (inputs, b, attrs) => {
    requireNHWC(attrs, name);
    const dy = input(inputs, 'dy'), f = input(inputs, 'filter');
    const inShape = attrInts(attrs, 'inputShape');
    const info = convInfo(inShape, f.shape, attrs, depthwise);
    return b.out(b.native.convBackpropInput(b.h(dy), b.h(f), inShape, [info.strideHeight, info.strideWidth], pads(info),
      [info.dilationHeight, info.dilationWidth], depthwise));
  };
}

function convBackpropFilter(depthwise: boolean, name: string): LibtorchKernel {
  return (inputs, b, attrs) => {
    requireNHWC(attrs, name);
    const x = input(inputs, 'x'), dy = input(inputs, 'dy');
    const fShape = attrInts(attrs, 'filterShape');
    const info = convInfo(x.shape, fShape, attrs, depthwise);
    return b.out(b.native.convBackpropFilter(b.h(x), b.h(dy), fShape, [info.strideHeight, info.strideWidth], pads(info),
      [info.dilationHeight, info.dilationWidth], depthwise));
  };
}

function poolInfo(xShape: number[], attrs: NamedAttrMap): Conv2DInfo {
  const k = pair(attrInts(attrs, 'filterSize'));
  const s = pair(attrInts(attrs, 'strides'));
  return backend_util.computePool2DInfo(xShape as [number, number, number, number], k, s, 1, padArg(attrs), rounding(attrs));
}
function pool(isMax: boolean): LibtorchKernel {
  return (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const info = poolInfo(x.shape, attrs);
    if (info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1) return b.share(x);
    return b.out(b.native.pool(isMax, b.h(x), [info.filterHeight, info.filterWidth], [info.strideHeight, info.strideWidth], pads(info)));
  };
}
function poolGrad(isMax: boolean): LibtorchKernel {
  return (inputs, b, attrs) => {
    const dy = input(inputs, 'dy'), x = input(inputs, 'input');
    const info = poolInfo(x.shape, attrs);
    return b.out(b.native.poolGrad(isMax, b.h(dy), b.h(x), [info.filterHeight, info.filterWidth], [info.strideHeight, info.strideWidth], pads(info)));
  };
}

// ---- resizing as two small matrix products ------------------------------------------------

/**
 * Interpolation matrix [outSize, inSize] that reproduces tfjs' cpu ResizeBilinear /
 * ResizeNearestNeighbor index arithmetic (alignCorners, halfPixelCenters) along one axis.
 */
export function resizeMatrix(inSize: number, outSize: number, bilinear: boolean, alignCorners: boolean, halfPixel: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  for (let r = 0; r < outSize; r++) {
    if (bilinear) {
      const src = halfPixel ? ratio * (r + 0.5) - 0.5 : ratio * r;
      const lo = Math.max(0, Math.floor(src));
      const hi = Math.min(inSize - 1, Math.ceil(src));
      const frac = src - lo;
      m[r * inSize + lo] += 1 - frac;
      m[r * inSize + hi] += frac;
    } else {
      const src = halfPixel ? ratio * (r + 0.5) : ratio * r;
      let i = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
      if (halfPixel) i = Math.max(0, i);
      m[r * inSize + i] = 1;
    }
  }
  return m;
}

/** Interpolation matrices are tiny and reused every step: cached per geometry, never freed. */
const matrixCache = new WeakMap<LibtorchBackend, Map<string, number>>();
function matrixHandle(b: LibtorchBackend, inSize: number, outSize: number, bilinear: boolean, align: boolean, half: boolean): number {
  let cache = matrixCache.get(b);
  if (!cache) { cache = new Map(); matrixCache.set(b, cache); }
  const key = `${inSize},${outSize},${bilinear},${align},${half}`;
  let h = cache.get(key);
  if (h === undefined) {
    h = b.native.fromArray(resizeMatrix(inSize, outSize, bilinear, align, half), [outSize, inSize], 0);
    cache.set(key, h);
  }
  return h;
}

function resize(bilinear: boolean, grad: boolean): LibtorchKernel {
  return (inputs, b, attrs) => {
    const align = attrBool(attrs, 'alignCorners'), half = attrBool(attrs, 'halfPixelCenters');
    if (!grad) {
      const x = input(inputs, 'images');
      const [oh, ow] = attrInts(attrs, 'size');
      const A = matrixHandle(b, x.shape[1], oh, bilinear, align, half);
      const B = matrixHandle(b, x.shape[2], ow, bilinear, align, half);
      return b.out(b.native.separable(b.h(x), A, B, false));
    }
    const dy = input(inputs, 'dy'), x = input(inputs, 'images');
    const A = matrixHandle(b, x.shape[1], dy.shape[1], bilinear, align, half);
    const B = matrixHandle(b, x.shape[2], dy.shape[2], bilinear, align, half);
    return b.out(b.native.separable(b.h(dy), A, B, true));
  };
}

export const convKernels: KernelTable = {
  Conv2D: conv(false, false, 'Conv2D'),
  FusedConv2D: conv(false, true, 'FusedConv2D'),
  DepthwiseConv2dNative: conv(true, false, 'DepthwiseConv2dNative'),
  FusedDepthwiseConv2D: conv(true, true, 'FusedDepthwiseConv2D'),
  Conv2DBackpropInput: convBackpropInput(false, 'Conv2DBackpropInput'),
  Conv2DBackpropFilter: convBackpropFilter(false, 'Conv2DBackpropFilter'),
  DepthwiseConv2dNativeBackpropInput: convBackpropInput(true, 'DepthwiseConv2dNativeBackpropInput'),
  DepthwiseConv2dNativeBackpropFilter: convBackpropFilter(true, 'DepthwiseConv2dNativeBackpropFilter'),
  MaxPool: pool(true),
  AvgPool: pool(false),
  MaxPoolGrad: poolGrad(true),
  AvgPoolGrad: poolGrad(false),
  ResizeBilinear: resize(true, false),
  ResizeNearestNeighbor: resize(false, false),
  ResizeBilinearGrad: resize(true, true),
  ResizeNearestNeighborGrad: resize(false, true),
};

