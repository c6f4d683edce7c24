/** Conv2DBackpropFilter on wasm (missing from stock tfjs-backend-wasm 4.22) as one dilated XNNPACK conv. */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { UntangleError } from '../../util/errors.ts';
import { input, type Shape4, type WasmOps } from './ops.ts';

// Conv2DBackpropFilter as one dilated XNNPACK conv.
//
// dW[i,j,c,o] = Σ_{n,p,q} x[n, s·p+i-top, s·q+j-left, c] · dy[n,p,q,o]. Read x as a batch of C
// images [C,H,W,N] with N channels and dy as a filter [oh,ow,N,co] dilated by the stride: a stride-1
// conv of the two, padded by (top, left), is exactly dW laid out as [C,kh,kw,co].
// The bottom/right pads make the conv output exactly kh×kw; a negative one means the last rows of x
// never reach any output (a 'valid' conv whose stride does not divide), so those rows are cropped.

export function conv2dBackpropFilter(ops: WasmOps, backend: BackendWasm, inputs: NamedTensorInfoMap, rawAttrs: NamedAttrMap | undefined): TensorInfo {
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
