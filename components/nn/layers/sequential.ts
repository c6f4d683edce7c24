import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UnaryModule } from '../module.ts';

/** Applies its modules in order; they are named `0`, `1`, … (PyTorch's `nn.Sequential` keys). */
export class Sequential extends UnaryModule {
  readonly layers: readonly UnaryModule[];

  constructor(layers: UnaryModule[]) {
    super();
    this.layers = layers.map((m, i) => this.child(String(i), m));
  }

  forward(x: tf.Tensor, rng?: Rng): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((y, m) => m.forward(y, rng), x));
  }
}
