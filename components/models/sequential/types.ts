import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../../../framework/contracts/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';

/**
 * A sequence model with a static code per sequence and dynamic codes per step: what the swap
 * metrics and swap grids need (DSVAE's f / z_t, FHVAE's z2 / z1).
 */
export interface StaticDynamicModel extends Model {
  readonly staticDim: number;
  readonly dynamicDim: number;
  /** Posterior means: static `[B, staticDim]`, dynamic `[B, T', dynamicDim]`. */
  encodeParts(x: tf.Tensor): { static: tf.Tensor2D; dynamic: tf.Tensor3D };
  /** Observations from codes, in data space (images in [0, 1]). */
  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D): tf.Tensor;
  sampleStatic(n: number, rng: Rng): tf.Tensor2D;
  /** Dynamic codes from the model's prior (learned LSTM prior where it has one), `steps` long. */
  sampleDynamic(n: number, steps: number, rng: Rng): tf.Tensor3D;
}

export function isStaticDynamicModel(m: unknown): m is StaticDynamicModel {
  return m !== null && typeof m === 'object' && typeof (m as StaticDynamicModel).encodeParts === 'function'
    && typeof (m as StaticDynamicModel).decodeParts === 'function';
}

/** Any sequence model that can reconstruct its input deterministically (posterior means). */
export interface Reconstructs {
  reconstruct(x: tf.Tensor): tf.Tensor;
}

export function canReconstruct(m: unknown): m is Reconstructs {
  return m !== null && typeof m === 'object' && typeof (m as Reconstructs).reconstruct === 'function';
}
