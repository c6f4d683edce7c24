import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UnaryModule } from '../module.ts';
import { ones, zeros } from '../init.ts';
import { affine, normalize } from './normalize.ts';

/**
 * GroupNorm over channels-last input `[B, ..., C]` (NHWC images, `[B, N, C]` tokens): statistics
 * per sample and group over all positions and the group's C/G channels, biased variance (as
 * PyTorch), then a per-channel affine `weight`, `bias` (init 1, 0).
 */
export class GroupNorm extends UnaryModule {
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;

  constructor(readonly numGroups: number, readonly numChannels: number, readonly eps = 1e-5, affine = true) {
    super();
    if (numChannels % numGroups !== 0) {
      throw new UntangleError('nn.groupnorm.groups', `GroupNorm: ${numChannels} channels do not split into ${numGroups} groups`,
        { numGroups, numChannels });
    }
    // Deterministic init (ones/zeros): the Rng is never read.
    const rng = new Rng(0);
    this.weight = affine ? this.param('weight', [numChannels], ones(), rng) : null;
    this.bias = affine ? this.param('bias', [numChannels], zeros(), rng) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const c = x.shape[x.rank - 1];
    if (c !== this.numChannels || x.rank < 2) {
      throw new UntangleError('nn.groupnorm.shape', `GroupNorm expects [B, ..., ${this.numChannels}], got [${x.shape}]`,
        { shape: x.shape });
    }
    return tf.tidy(() => {
      const g = this.numGroups;
      const xg = tf.reshape(x, [x.shape[0], -1, g, c / g]);
      const normed = tf.reshape(normalize(xg, [1, 3], this.eps).normed, x.shape);
      return affine(normed, this.weight, this.bias);
    });
  }
}
