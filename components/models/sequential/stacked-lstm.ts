import type * as tf from '@tensorflow/tfjs-core';
import { LSTM, Module } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';

/** `layers` LSTMs of `hidden` units, each reading the previous one's outputs (PyTorch `num_layers`). */
export class StackedLSTM extends Module {
  private readonly layers: LSTM[];

  constructor(input: number, readonly hidden: number, layers: number, rng: Rng) {
    super();
    this.layers = Array.from({ length: layers }, (_, i) => this.child(`l${i}`, new LSTM(i === 0 ? input : hidden, hidden, rng)));
  }

  /** Outputs of the top layer `[B, T, hidden]` and its final state `[B, hidden]`. */
  forward(x: tf.Tensor3D): { output: tf.Tensor3D; h: tf.Tensor2D } {
    let out = x;
    let h: tf.Tensor2D | null = null;
    for (const l of this.layers) {
      const r = l.forward(out);
      out = r.output;
      h = r.h;
    }
    return { output: out, h: h! };
  }
}
