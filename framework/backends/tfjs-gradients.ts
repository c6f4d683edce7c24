/**
 * Makes tfjs-core trainable: registers every tfjs-core gradient (and the chained ops, `x.square()`)
 * with the global engine. tfjs-core's Node entry registers neither, so without this import
 * `tf.grads` / `tf.variableGrads` fail with "gradient function not found". Importing this module
 * is enough; selectBackend() does it. See vendor/build-tfjs-gradients.mjs for why it is vendored.
 */
import * as tf from '@tensorflow/tfjs-core';
import './vendor/tfjs-core-gradients.mjs';

/** True when the gradients tfjs-core ships are registered (a cheap sanity check for fingerprints). */
export function tfjsGradientsRegistered(): boolean {
  return tf.getGradient('Conv2D') !== undefined && tf.getGradient('BatchMatMul') !== undefined;
}
