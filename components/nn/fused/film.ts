/**
 * FiLM modulation x·(1 + scale) + shift, with scale and shift the two halves of one projection
 * ss = [scale, shift] (`[..., 2C]` for x `[..., C]`, row for row), as one fused kernel each way
 * where the backend has it (FUSED.film), else a split and two tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, runFused, runFusedGrad } from '../../../framework/backends/fused.ts';
import { UntangleError } from '../../../framework/util/errors.ts';

tf.registerGradient({
  kernelName: FUSED.film,
  inputsToSave: ['x', 'ss'],
  gradFunc: (dy, saved) => {
    const [x, ss] = saved;
    const [dx, dss] = runFusedGrad<tf.Tensor[]>(FUSED.filmGrad, { dy: dy as tf.Tensor, x, ss });
    return { x: () => dx, ss: () => dss };
  },
});

export function filmComposite<T extends tf.Tensor>(x: T, ss: tf.Tensor): T {
  const [scale, shift] = tf.split(ss, 2, -1);
  return tf.add(tf.mul(x, tf.add(scale, 1)), shift);
}

export function film<T extends tf.Tensor>(x: T, ss: tf.Tensor): T {
  const c = x.shape[x.rank - 1];
  if (ss.rank !== x.rank || ss.shape[ss.rank - 1] !== 2 * c || ss.shape.slice(0, -1).some((d, i) => d !== x.shape[i])) {
    throw new UntangleError('nn.film.shape', `FiLM takes x [..., C] and ss [..., 2C] with the same leading dims, got [${x.shape}] and [${ss.shape}]`,
      { x: x.shape, ss: ss.shape });
  }
  if (x.dtype !== 'float32' || ss.dtype !== 'float32') return filmComposite(x, ss);
  return runFused(FUSED.film, { x, ss }, {}, () => filmComposite(x, ss));
}
