import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import type { StaticDynamicModel } from './types.ts';

/** `[B, T, H, W, C]` sequences as a 5-D picture: one sequence per grid row, whatever T is. */
function rows(x: tf.Tensor): tf.Tensor5D {
  return x as tf.Tensor5D;
}

/**
 * The pictures of a static/dynamic model for image sequences (grids with one sequence per row):
 *  - `swap`: sequence a, sequence b, decode(f_a, z_b), decode(f_b, z_a) for up to 3 pairs
 *    (appearance should follow f, motion should follow z);
 *  - `static_fixed`: the first sequence's f with 4 dynamic codes drawn from the prior;
 *  - `dynamic_fixed`: the first sequence's z with 4 static codes drawn from N(0, I);
 *  - `traversal_static` / `traversal_dynamic`: frame 0 while one latent (the first 4 of each)
 *    moves over ±2 in 8 steps (the dynamic one shifted at every step).
 */
export function swapAndTraversalImages(model: StaticDynamicModel, x: tf.Tensor, rng: Rng): Record<string, tf.Tensor5D> {
  return tf.tidy(() => {
    const b = x.shape[0];
    const { static: f, dynamic: z } = model.encodeParts(x);
    const steps = z.shape[1];
    const pairs = Math.min(3, Math.floor(b / 2));
    const swap: tf.Tensor[] = [];
    for (let k = 0; k < pairs; k++) {
      const a = 2 * k, c = 2 * k + 1;
      const fa = tf.slice(f, [a, 0], [1, -1]) as tf.Tensor2D, fc = tf.slice(f, [c, 0], [1, -1]) as tf.Tensor2D;
      const za = tf.slice(z, [a, 0, 0], [1, -1, -1]) as tf.Tensor3D, zc = tf.slice(z, [c, 0, 0], [1, -1, -1]) as tf.Tensor3D;
      swap.push(tf.slice(x, [a], [1]), tf.slice(x, [c], [1]), model.decodeParts(fa, zc), model.decodeParts(fc, za));
    }
    const out: Record<string, tf.Tensor5D> = {};
    if (swap.length) out.swap = rows(tf.concat(swap, 0));
    const f0 = tf.slice(f, [0, 0], [1, -1]) as tf.Tensor2D;
    const z0 = tf.slice(z, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D;
    out.static_fixed = rows(tf.concat([tf.slice(x, [0], [1]), model.decodeParts(tf.tile(f0, [4, 1]) as tf.Tensor2D, model.sampleDynamic(4, steps, rng))], 0));
    out.dynamic_fixed = rows(tf.concat([tf.slice(x, [0], [1]), model.decodeParts(model.sampleStatic(4, rng), tf.tile(z0, [4, 1, 1]) as tf.Tensor3D)], 0));
    const offsets = Array.from({ length: 8 }, (_, s) => -2 + (4 * s) / 7);
    const trav = (dim: number, build: (i: number, v: number) => tf.Tensor) => {
      const frames: tf.Tensor[] = [];
      for (let i = 0; i < Math.min(4, dim); i++) for (const v of offsets) frames.push(tf.slice(build(i, v), [0, 0], [1, 1]));
      // One latent per row, its 8 values across.
      const [, , h, w, c] = frames[0].shape;
      return tf.reshape(tf.concat(frames, 0), [-1, offsets.length, h, w, c]) as tf.Tensor5D;
    };
    const onehot = (dim: number, i: number, v: number) => tf.tensor1d(Array.from({ length: dim }, (_, j) => (j === i ? v : 0)));
    out.traversal_static = trav(model.staticDim, (i, v) => model.decodeParts(tf.add(f0, onehot(model.staticDim, i, v)) as tf.Tensor2D, z0));
    out.traversal_dynamic = trav(model.dynamicDim, (i, v) => model.decodeParts(f0, tf.add(z0, onehot(model.dynamicDim, i, v)) as tf.Tensor3D));
    return out;
  });
}
