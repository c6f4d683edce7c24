import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UnaryModule } from '../module.ts';
import { ones, zeros } from '../init.ts';
import { affine, normalize } from './normalize.ts';

/** LayerNorm over the trailing `normalizedShape` axes (PyTorch semantics, biased variance). */
export class LayerNorm extends UnaryModule {
  readonly normalizedShape: number[];
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;

  constructor(normalizedShape: number | number[], readonly eps = 1e-5, elementwiseAffine = true) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const rng = new Rng(0); // ones/zeros: never read
    this.weight = elementwiseAffine ? this.param('weight', this.normalizedShape, ones(), rng) : null;
    this.bias = elementwiseAffine ? this.param('bias', this.normalizedShape, zeros(), rng) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const n = this.normalizedShape.length;
    const tail = x.shape.slice(x.rank - n);
    if (x.rank < n || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new UntangleError('nn.layernorm.shape', `LayerNorm expects trailing dims [${this.normalizedShape}], got [${x.shape}]`,
        { shape: x.shape });
    }
    return tf.tidy(() => {
      const axes = Array.from({ length: n }, (_, i) => x.rank - n + i);
      return affine(normalize(x, axes, this.eps).normed, this.weight, this.bias);
    });
  }
}
