import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';

/** What DiffSDA needs of its encoder: one static code and per-step dynamic codes. */
export interface SdaEncoder {
  readonly staticDim: number;
  readonly dynamicDim: number;
  encode(x: tf.Tensor, rng?: Rng): { s: tf.Tensor2D; d: tf.Tensor3D };
}

/**
 * What DiffSDA needs of its denoiser: the raw network F(c_in·y, c_noise, a) over rows
 * `[N, ...frame]` (one frame or step per row), with a_τ = [d_τ, s] `[N, condDim]`.
 */
export interface SdaDenoiser {
  readonly condDim: number;
  denoise(x: tf.Tensor, cNoise: tf.Tensor1D, a: tf.Tensor2D, rng?: Rng): tf.Tensor;
}

export function isSdaEncoder(v: unknown): v is SdaEncoder {
  return v !== null && typeof v === 'object' && typeof (v as SdaEncoder).encode === 'function' && typeof (v as SdaEncoder).staticDim === 'number';
}

export function isSdaDenoiser(v: unknown): v is SdaDenoiser {
  return v !== null && typeof v === 'object' && typeof (v as SdaDenoiser).denoise === 'function' && typeof (v as SdaDenoiser).condDim === 'number';
}
