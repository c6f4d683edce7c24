/**
 * Gradients of tfjs' own kernels that a backend can run as one fused kernel. tfjs-core's Relu
 * gradient is dy · cast(step(x)): two kernels and, on libtorch, several memory passes over every
 * activation. This re-registration keeps exactly that formula as the composite and runs
 * FUSED.reluGrad where the backend has it. Registered after tfjs-core's gradients (a later
 * registration replaces an earlier one).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, runFused } from './fused.ts';

export function registerFusedGradients(): void {
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      return { x: () => runFused(FUSED.reluGrad, { dy: g, x }, {}, () => tf.mul(g, tf.cast(tf.step(x), 'float32'))) };
    },
  });
}
