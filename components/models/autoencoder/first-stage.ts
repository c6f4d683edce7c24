import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../../../framework/contracts/index.ts';
import { loadCheckpoint } from '../../../framework/trainer/checkpoint.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import type { Module } from '../../nn/index.ts';

/** What a latent diffusion model needs of its (frozen) autoencoder. */
export interface FirstStage extends Model {
  /** Images `[B,H,W,C]` in [0,1] → latents (deterministic). */
  encode(x: tf.Tensor): tf.Tensor;
  /**
   * Latents → images in [−1,1]. A VQ first stage quantises first unless `quantize` is false (LDM's
   * `force_not_quantize`: a smooth decoder for losses that differentiate through it).
   */
  decode(z: tf.Tensor, quantize?: boolean): tf.Tensor;
  readonly latentChannels: number;
}

export function toUnit(x: tf.Tensor): tf.Tensor {
  return tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1);
}

/** Originals over reconstructions, in [0, 1]. */
export function reconstructionPictures(ae: FirstStage, x: tf.Tensor): Record<string, tf.Tensor4D> {
  return tf.tidy(() => ({ reconstruction: tf.concat([x, toUnit(ae.decode(ae.encode(x)))], 0) as tf.Tensor4D }));
}

/**
 * Loads a module's weights from a run checkpoint (`${run:NAME}`): the EMA weights when asked and
 * present, else the raw ones. (DisDiff's `load_ema_ckpt` flag has the naming inverted; here `ema:
 * true` means the EMA weights.)
 */
export function loadModuleFromCheckpoint(m: Module, path: string, opts: { prefix?: string; ema?: boolean } = {}): void {
  const ckpt = loadCheckpoint(path);
  const raw = ckpt.groups.model;
  if (!raw) throw new UntangleError('checkpoint-no-model', `checkpoint ${path} has no model weights`, { path });
  let source = raw;
  if (opts.ema && ckpt.groups.ema) {
    source = new Map<string, tf.Tensor>();
    for (const [k, v] of ckpt.groups.ema) if (k.startsWith('shadow/')) source.set(k.slice('shadow/'.length), v);
  }
  try {
    m.loadWeights(source, { prefix: opts.prefix ?? '', strict: true });
  } finally {
    for (const g of Object.values(ckpt.groups)) for (const t of g.values()) t.dispose();
  }
}
