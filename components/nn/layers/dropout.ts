import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { UnaryModule } from '../module.ts';
import { FUSED, hasFusedKernel } from '../../../framework/backends/fused.ts';

/**
 * Inverted dropout: in training, zero each element with probability p and scale the rest by
 * 1/(1 − p); identity in eval mode or with p = 0. The mask is drawn from the caller's `Rng` (the
 * step's rng), so runs are reproducible across backends.
 */
export class Dropout extends UnaryModule {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw new UntangleError('nn.dropout.p', `dropout probability must be in [0, 1), got ${p}`, { p });
  }

  forward(x: tf.Tensor, rng?: Rng): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    if (!rng) {
      throw new UntangleError('nn.dropout.rng', 'Dropout in training mode needs an Rng', {},
        'pass ctx.rng to forward(), or call eval() for inference');
    }
    return tf.tidy(() => tf.mul(x, dropoutMask(x.shape, this.p, rng)));
  }
}

/**
 * A keep-mask scaled by 1/(1 − p): one `rng.uniform()` per element, drawn by the backend's mask
 * kernel where it has one (FUSED.keepMask: the same generator natively, several times faster than
 * the JS loop, which then continues from the state it hands back), else in JS. The same seed gives
 * the same mask either way.
 */
export function dropoutMask(shape: number[], p: number, rng: Rng): tf.Tensor {
  const keep = 1 / (1 - p);
  if (hasFusedKernel(FUSED.keepMask)) {
    const [mask, state] = tf.engine().runKernel(FUSED.keepMask, {}, { shape, p, keep, state: rng.state().s }) as tf.Tensor[];
    rng.continueFrom(state.dataSync());
    state.dispose();
    return mask;
  }
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillKeepMask(new Float32Array(n), p, keep), shape, 'float32');
}
