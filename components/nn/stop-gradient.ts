import * as tf from '@tensorflow/tfjs-core';

/**
 * PyTorch's `.detach()`: the same values, no gradient to the input. tfjs-core has no
 * stop-gradient op, so this is an identity with a zero gradient.
 */
const detachOp = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detachOp(x) as T;
}
