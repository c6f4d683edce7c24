import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { Module } from '../module.ts';
import { type Initializer, normal } from '../init.ts';

/** A lookup table `weight [num, dim]` (PyTorch init N(0, 1)); indices of any shape → `[..., dim]`. */
export class Embedding extends Module {
  readonly weight: tf.Variable;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, rng: Rng, init: Initializer = normal(1)) {
    super();
    this.weight = this.param('weight', [numEmbeddings, embeddingDim], init, rng);
  }

  forward(indices: tf.Tensor | number[]): tf.Tensor {
    return tf.tidy(() => {
      const idx = Array.isArray(indices) ? tf.tensor1d(indices, 'int32') : indices.dtype === 'int32' ? indices : tf.cast(indices, 'int32');
      const flat = idx.rank === 1 ? idx : tf.reshape(idx, [-1]);
      const rows = tf.gather(this.weight, flat);
      return idx.rank === 1 ? rows : tf.reshape(rows, [...idx.shape, this.embeddingDim]);
    });
  }
}
