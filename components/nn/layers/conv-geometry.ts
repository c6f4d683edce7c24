import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';

/** PyTorch-style padding: 'valid' (0), 'same' (stride 1 only), a number, or [padH, padW]. */
export type Padding2d = 'valid' | 'same' | number | [number, number];

/** Explicit per-side pads in tfjs's NHWC form. */
export type ExplicitPads = [[number, number], [number, number], [number, number], [number, number]];

export function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * Resolve PyTorch padding to explicit pads. 'same' follows PyTorch: total = dilation·(k−1), with
 * the extra pixel of an odd total on the bottom/right (as TF does too).
 */
export function resolveConvPads(padding: Padding2d, kernel: [number, number], stride: [number, number],
  dilation: [number, number]): ExplicitPads {
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new UntangleError('nn.conv.same_stride', "padding 'same' needs stride 1 (as in PyTorch)",
        { stride }, 'give the padding as a number instead');
    }
    const th = dilation[0] * (kernel[0] - 1);
    const tw = dilation[1] * (kernel[1] - 1);
    return [[0, 0], [Math.floor(th / 2), th - Math.floor(th / 2)], [Math.floor(tw / 2), tw - Math.floor(tw / 2)], [0, 0]];
  }
  const [ph, pw] = padding === 'valid' ? [0, 0] : pair(padding);
  if (ph < 0 || pw < 0) throw new UntangleError('nn.conv.padding', `negative padding ${padding}`, { padding });
  return [[0, 0], [ph, ph], [pw, pw], [0, 0]];
}

/** PyTorch Conv2d: ⌊(in + 2p − d·(k−1) − 1)/s⌋ + 1 (with explicit per-side pads). */
export function convOutSize(inSize: number, k: number, s: number, padBefore: number, padAfter: number, d: number): number {
  return Math.floor((inSize + padBefore + padAfter - d * (k - 1) - 1) / s) + 1;
}

/** PyTorch ConvTranspose2d: (in − 1)·s − 2p + d·(k−1) + output_padding + 1. */
export function convTransposeOutSize(inSize: number, k: number, s: number, p: number, d: number, outputPadding: number): number {
  return (inSize - 1) * s - 2 * p + d * (k - 1) + outputPadding + 1;
}

/**
 * The kernel `[kh, kw, a, b]` with d − 1 zeros between taps: a conv with dilation d equals a plain
 * conv with this (k−1)·d+1 kernel. Used because tfjs has no gradient for dilated convolutions and
 * no dilation argument on transposed ones; it costs ((k−1)·d+1)²/k² times the FLOPs, so dilation
 * is for small layers. Differentiable (reshape/pad/slice).
 */
export function dilateKernel(f: tf.Tensor4D, dilation: [number, number]): tf.Tensor4D {
  const [dh, dw] = dilation;
  let out = f;
  if (dh > 1) {
    const [kh, kw, a, b] = out.shape;
    const spread = tf.pad(tf.reshape(out, [kh, 1, kw, a, b]), [[0, 0], [0, dh - 1], [0, 0], [0, 0], [0, 0]]);
    out = tf.slice(tf.reshape(spread, [kh * dh, kw, a, b]), [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, a, b]) as tf.Tensor4D;
  }
  if (dw > 1) {
    const [kh, kw, a, b] = out.shape;
    const spread = tf.pad(tf.reshape(out, [kh, kw, 1, a, b]), [[0, 0], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
    out = tf.slice(tf.reshape(spread, [kh, kw * dw, a, b]), [0, 0, 0, 0], [kh, (kw - 1) * dw + 1, a, b]) as tf.Tensor4D;
  }
  return out;
}
