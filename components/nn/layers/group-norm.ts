import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UnaryModule } from '../module.ts';
import { ones, zeros } from '../init.ts';
import { groupNorm } from '../fused/group-norm.ts';

/**
 * GroupNorm over channels-last input `[B, ..., C]` (NHWC images, `[B, N, C]` tokens): statistics
 * per sample and group over all positions and the group's C/G channels, biased variance (as
 * PyTorch), then a per-channel affine `weight`, `bias` (init 1, 0). One fused kernel forward and one
 * backward where the backend has them (nn/fused/group-norm.ts).
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
    return tf.tidy(() => groupNorm(x, this.weight, this.bias, this.numGroups, this.eps));
  }
}
