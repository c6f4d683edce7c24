import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../../framework/util/errors.ts';
import { UnaryModule } from '../module.ts';

/**
 * Nearest-neighbour upsampling of NHWC images by an integer factor (PyTorch
 * `Upsample(scale_factor=s, mode='nearest')`: out[i] = in[⌊i/s⌋]). One kernel, with a gradient.
 */
export class Upsample extends UnaryModule {
  constructor(readonly scaleFactor = 2) {
    super();
    if (!Number.isInteger(scaleFactor) || scaleFactor < 1) {
      throw new UntangleError('nn.upsample.scale', `Upsample needs a positive integer scale factor, got ${scaleFactor}`, { scaleFactor });
    }
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    if (x.rank !== 4) throw new UntangleError('nn.upsample.shape', `Upsample expects NHWC input, got [${x.shape}]`, { shape: x.shape });
    return upsampleNearest(x as tf.Tensor4D, this.scaleFactor);
  }
}

export function upsampleNearest(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  return tf.image.resizeNearestNeighbor(x, [x.shape[1] * s, x.shape[2] * s], false, false);
}
