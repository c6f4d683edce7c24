/**
 * The affine map x·W + b of rank-2 x as one kernel (FUSED.linear, an addmm) where the backend has
 * it, else tfjs' fused matMul. Its gradient is one tfjs op per input, each computed only when that
 * input needs it (tfjs prunes the inputs that lead to no variable), where the fused matMul's
 * custom gradient computes dx, dW and db every time and wraps them in reshapes to rank 3.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, runFused } from '../../../framework/backends/fused.ts';

tf.registerGradient({
  kernelName: FUSED.linear,
  inputsToSave: ['x', 'w'],
  gradFunc: (dy, saved) => {
    const [x, w] = saved;
    const g = dy as tf.Tensor2D;
    return {
      x: () => tf.matMul(g, w as tf.Tensor2D, false, true),
      w: () => tf.matMul(x as tf.Tensor2D, g, true, false),
      bias: () => tf.sum(g, 0),
    };
  },
});

export function affineComposite(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: w, bias }) as tf.Tensor2D;
}

export function affine(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (x.dtype !== 'float32' || w.dtype !== 'float32' || bias.dtype !== 'float32') return affineComposite(x, w, bias);
  return runFused(FUSED.linear, { x, w, bias }, {}, () => affineComposite(x, w, bias));
}
