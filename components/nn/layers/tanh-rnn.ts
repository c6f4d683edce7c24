import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Module } from '../module.ts';
import { uniform } from '../init.ts';
import { rnnTanhSequence } from '../fused/rnn-sequences.ts';
import type { SequenceLayer, SequenceOutput } from './recurrent.ts';

/**
 * Single-layer batch-first Elman RNN with tanh (PyTorch `nn.RNN(nonlinearity='tanh')`):
 * h_t = tanh(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh). Same layout and init as LSTM/GRU in
 * recurrent.ts (`weight_ih [I, H]`, `weight_hh [H, H]`, all ~ U(±1/√H)). The input projection of
 * every step is one matMul; the time loop is one fused kernel each way where the backend has it
 * (fused/rnn-sequences.ts), else unrolled in tf ops.
 */
export class TanhRNN extends Module implements SequenceLayer {
  readonly weightIh: tf.Variable;
  readonly weightHh: tf.Variable;
  readonly biasIh: tf.Variable;
  readonly biasHh: tf.Variable;

  constructor(readonly inputSize: number, readonly hiddenSize: number, rng: Rng) {
    super();
    const k = 1 / Math.sqrt(hiddenSize);
    this.weightIh = this.param('weight_ih', [inputSize, hiddenSize], uniform(-k, k), rng);
    this.weightHh = this.param('weight_hh', [hiddenSize, hiddenSize], uniform(-k, k), rng);
    this.biasIh = this.param('bias_ih', [hiddenSize], uniform(-k, k), rng);
    this.biasHh = this.param('bias_hh', [hiddenSize], uniform(-k, k), rng);
  }

  forward(x: tf.Tensor3D, initial?: { h: tf.Tensor2D }): SequenceOutput {
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new UntangleError('nn.rnn.shape', `TanhRNN expects [B, T, ${this.inputSize}], got [${x.shape}]`, { shape: x.shape },
        'recurrent layers are batch-first');
    }
    return tf.tidy(() => {
      const [b, t] = x.shape;
      const bias = tf.add(this.biasIh, this.biasHh);
      const xw = tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [b * t, this.inputSize]) as tf.Tensor2D, b: this.weightIh as tf.Tensor2D, bias }),
        [b, t, this.hiddenSize]);
      const r = rnnTanhSequence(xw as tf.Tensor3D, initial?.h ?? tf.zeros([b, this.hiddenSize]), this.weightHh as tf.Tensor2D);
      return { output: r.hs, h: r.h };
    });
  }
}
