/** Conv2D / FusedConv2D / DepthwiseConv2dNative on wasm with 'same' passed as explicit pads. */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { input, SAME_PAD_KERNELS, type Shape4, type WasmOps } from './ops.ts';

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

export function withExplicitSamePad(
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
