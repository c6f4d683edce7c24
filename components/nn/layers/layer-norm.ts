import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UnaryModule } from '../module.ts';
import { ones, zeros } from '../init.ts';
import { affine, normalize } from './normalize.ts';
import { groupNorm } from '../fused/group-norm.ts';

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
      // Over one trailing axis, LayerNorm of [N, C] rows is GroupNorm with one group and no
      // positions: one fused kernel each way where the backend has it (libtorch), instead of
      // the nine-op composite and its backward.
      if (n === 1 && this.weight && this.bias && x.rank >= 2) {
        const c = this.normalizedShape[0];
        if (x.rank === 2) return groupNorm(x, this.weight, this.bias, 1, this.eps);
        return tf.reshape(groupNorm(tf.reshape(x, [-1, c]), this.weight, this.bias, 1, this.eps), x.shape);
      }
      const axes = Array.from({ length: n }, (_, i) => x.rank - n + i);
      return affine(normalize(x, axes, this.eps).normed, this.weight, this.bias);
    });
  }
}
