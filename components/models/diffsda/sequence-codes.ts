import * as tf from '@tensorflow/tfjs-core';
import { Bidirectional, Linear, Module, TanhRNN } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';

export interface SequenceCodeOptions {
  hidden: number;
  staticDim: number;
  dynamicDim: number;
}

/**
 * The sequence part every DiffSDA encoder shares: per-step features `[B, T, F']` → BiLSTM(hidden);
 * s = Linear of [forward state at T, backward state at 1] (both have seen the whole sequence);
 * d_τ = Linear of a tanh RNN over the BiLSTM outputs. Subclasses supply the per-step features
 * (an MLP for series and audio, a conv stack for video frames) and call `buildHeads` after
 * building their own per-step net, so parameter names and init order stay those of the series
 * encoder it was lifted from.
 */
export abstract class SequenceCodeEncoder extends Module {
  bilstm!: Bidirectional;
  staticHead!: Linear;
  rnn!: TanhRNN;
  dynamicHead!: Linear;
  staticDim = 0;
  dynamicDim = 0;

  protected buildHeads(features: number, o: SequenceCodeOptions, rng: Rng): void {
    this.staticDim = o.staticDim;
    this.dynamicDim = o.dynamicDim;
    this.bilstm = this.child('bilstm', Bidirectional.lstm(features, o.hidden, rng));
    this.staticHead = this.child('static_head', new Linear(2 * o.hidden, o.staticDim, rng));
    this.rnn = this.child('dynamic_rnn', new TanhRNN(2 * o.hidden, o.hidden, rng));
    this.dynamicHead = this.child('dynamic_head', new Linear(o.hidden, o.dynamicDim, rng));
  }

  /** Per-step features `[B, T, F']` of a sequence `[B, T, ...frame]`. */
  protected abstract stepFeatures(x: tf.Tensor, rng?: Rng): tf.Tensor3D;

  encode(x: tf.Tensor, rng?: Rng): { s: tf.Tensor2D; d: tf.Tensor3D } {
    const seq = this.bilstm.forward(this.stepFeatures(x, rng));
    return {
      s: this.staticHead.forward(seq.h) as tf.Tensor2D,
      d: this.dynamicHead.forward(this.rnn.forward(seq.output).output) as tf.Tensor3D,
    };
  }
}
