/** SiLU x·σ(x) as one fused kernel (and one for its gradient) where the backend has it, else two tfjs ops. */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, runFused, runFusedGrad } from '../../../framework/backends/fused.ts';

tf.registerGradient({
  kernelName: FUSED.silu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => runFusedGrad<tf.Tensor>(FUSED.siluGrad, { dy: dy as tf.Tensor, x }) };
  },
});

export function siluComposite<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

export function silu<T extends tf.Tensor>(x: T): T {
  if (x.dtype !== 'float32') return siluComposite(x);
  return runFused(FUSED.silu, { x }, {}, () => siluComposite(x));
}
