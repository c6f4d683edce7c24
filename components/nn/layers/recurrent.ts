import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Module } from '../module.ts';
import { uniform } from '../init.ts';
import { gruCell, lstmCell, type LstmState } from '../fused/rnn-cells.ts';
import { gruSequence, lstmSequence } from '../fused/rnn-sequences.ts';

/**
 * Single-layer LSTM and GRU with PyTorch's equations, gate order, parameter names and default init
 * (every weight and bias ~ U(±1/√hidden)), unrolled with tf ops so autograd sees every step.
 *
 * Layout: `weight_ih` is `[input, G·hidden]` and `weight_hh` `[hidden, G·hidden]` (the transposes
 * of PyTorch's), with the gate blocks in PyTorch's order along the last axis: LSTM i, f, g, o;
 * GRU r, z, n. `bias_ih`, `bias_hh` are `[G·hidden]` as in PyTorch.
 *
 * The input projection of all steps is a single matMul up front. Where the backend has the fused
 * sequence kernels (nn/fused/rnn-sequences.ts: libtorch) the whole time loop is one kernel forward
 * and one backward; elsewhere each step costs a matMul and an add (h·W_hh + the precomputed
 * x·W_ih + biases; the GRU one fused matMul) plus the cell update (nn/fused/rnn-cells.ts: the
 * LSTM's split and nine element-wise kernels, the GRU's thirteen). The single-step cells
 * (LSTMCell.step, GRUCell.step) use the fused cell kernel.
 */

export type { LstmState };

export type SequenceOutput = {
  /** Hidden state at every step, `[B, T, H]` (`[B, T, 2H]` bidirectional: forward then backward half). */
  output: tf.Tensor3D;
  /** Final hidden state `[B, H]` (bidirectional: `[B, 2H]`, the forward pass's last step then the backward pass's). */
  h: tf.Tensor2D;
  /** Final cell state (LSTM only), laid out like `h`. */
  c?: tf.Tensor2D;
};

/** A batch-first recurrent layer: `[B, T, I]` → {output, h, c?}. */
export interface SequenceLayer extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  forward(x: tf.Tensor3D, initial?: { h: tf.Tensor2D; c?: tf.Tensor2D }): SequenceOutput;
}

abstract class RecurrentCellBase extends Module {
  readonly weightIh: tf.Variable;
  readonly weightHh: tf.Variable;
  readonly biasIh: tf.Variable | null;
  readonly biasHh: tf.Variable | null;

  constructor(readonly inputSize: number, readonly hiddenSize: number, gates: number, rng: Rng, bias: boolean) {
    super();
    const k = 1 / Math.sqrt(hiddenSize);
    const init = uniform(-k, k);
    // Registration order = PyTorch's state_dict order.
    this.weightIh = this.param('weight_ih', [inputSize, gates * hiddenSize], init, rng);
    this.weightHh = this.param('weight_hh', [hiddenSize, gates * hiddenSize], init, rng);
    this.biasIh = bias ? this.param('bias_ih', [gates * hiddenSize], init, rng) : null;
    this.biasHh = bias ? this.param('bias_hh', [gates * hiddenSize], init, rng) : null;
  }

  protected checkInput(x: tf.Tensor, rank: 2 | 3): void {
    if (x.rank !== rank || x.shape[rank - 1] !== this.inputSize) {
      const want = rank === 3 ? `[B, T, ${this.inputSize}]` : `[B, ${this.inputSize}]`;
      throw new UntangleError('nn.rnn.shape', `${this.constructor.name} expects ${want}, got [${x.shape}]`,
        { shape: x.shape }, rank === 3 ? 'recurrent layers are batch-first' : undefined);
    }
  }

  /** x·W_ih + b for a `[N, I]` input; `withHhBias` folds b_hh in too (exact when it is added unscaled). */
  protected inputProjection(x2: tf.Tensor2D, withHhBias: boolean): tf.Tensor2D {
    let bias: tf.Tensor | undefined = this.biasIh ?? undefined;
    if (withHhBias && this.biasIh && this.biasHh) bias = tf.add(this.biasIh, this.biasHh);
    return tf.fused.matMul({ a: x2, b: this.weightIh as tf.Tensor2D, bias }) as tf.Tensor2D;
  }

  protected zeros(batch: number): tf.Tensor2D {
    return tf.zeros([batch, this.hiddenSize]);
  }

  /** Project a whole sequence `[B, T, I]` → `[B, T, G·H]` in one matMul. */
  protected projectSequence(x: tf.Tensor3D, withHhBias: boolean): tf.Tensor3D {
    const [b, t] = x.shape;
    const xw = this.inputProjection(tf.reshape(x, [b * t, this.inputSize]), withHhBias);
    return tf.reshape(xw, [b, t, -1]);
  }
}

/** One LSTM step (PyTorch `nn.LSTMCell`), for models that sample between steps. */
export class LSTMCell extends RecurrentCellBase {
  constructor(inputSize: number, hiddenSize: number, rng: Rng, opts: { bias?: boolean } = {}) {
    super(inputSize, hiddenSize, 4, rng, opts.bias ?? true);
  }

  /** One step from `x [B, I]`; state defaults to zeros. */
  step(x: tf.Tensor2D, state?: LstmState): LstmState {
    this.checkInput(x, 2);
    return tf.tidy(() => {
      const s = state ?? { h: this.zeros(x.shape[0]), c: this.zeros(x.shape[0]) };
      return this.cellFromProjection(this.inputProjection(x, true), s);
    });
  }

  /** The LSTM update given xw = x·W_ih + b_ih + b_hh. */
  protected cellFromProjection(xw: tf.Tensor2D, s: LstmState): LstmState {
    // matMul + add, not a fused matMul with `xw` as bias: tfjs-wasm's _FusedMatMul takes only a
    // rank-1 bias and xw is [B, 4H].
    const gates = tf.add(tf.matMul(s.h, this.weightHh as tf.Tensor2D), xw) as tf.Tensor2D;
    return lstmCell(gates, s.c);
  }
}

/** Single-layer batch-first LSTM (PyTorch `nn.LSTM(batch_first=True)`): an LSTMCell unrolled over T. */
export class LSTM extends LSTMCell implements SequenceLayer {
  forward(x: tf.Tensor3D, initial?: { h: tf.Tensor2D; c?: tf.Tensor2D }): SequenceOutput {
    this.checkInput(x, 3);
    return tf.tidy(() => {
      const b = x.shape[0];
      const r = lstmSequence(this.projectSequence(x, true), initial?.h ?? this.zeros(b), initial?.c ?? this.zeros(b),
        this.weightHh as tf.Tensor2D);
      return { output: r.hs, h: r.h, c: r.c as tf.Tensor2D };
    });
  }
}

/** One GRU step (PyTorch `nn.GRUCell`): n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h. */
export class GRUCell extends RecurrentCellBase {
  constructor(inputSize: number, hiddenSize: number, rng: Rng, opts: { bias?: boolean } = {}) {
    super(inputSize, hiddenSize, 3, rng, opts.bias ?? true);
  }

  step(x: tf.Tensor2D, h?: tf.Tensor2D): tf.Tensor2D {
    this.checkInput(x, 2);
    return tf.tidy(() => {
      return this.cellFromProjection(this.inputProjection(x, false) as tf.Tensor2D, h ?? this.zeros(x.shape[0]));
    });
  }

  /**
   * The GRU update given xp = x·W_ih + b_ih ([B, 3H], r, z, n blocks; b_hh cannot be folded in:
   * r scales its n block).
   */
  protected cellFromProjection(xp: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
    const hw = tf.fused.matMul({ a: h, b: this.weightHh as tf.Tensor2D, bias: this.biasHh ?? undefined }) as tf.Tensor2D;
    return gruCell(xp, hw, h);
  }
}

/** Single-layer batch-first GRU (PyTorch `nn.GRU(batch_first=True)`). */
export class GRU extends GRUCell implements SequenceLayer {
  forward(x: tf.Tensor3D, initial?: { h: tf.Tensor2D }): SequenceOutput {
    this.checkInput(x, 3);
    return tf.tidy(() => {
      const r = gruSequence(this.projectSequence(x, false), initial?.h ?? this.zeros(x.shape[0]), this.weightHh as tf.Tensor2D,
        this.biasHh as tf.Tensor1D | null);
      return { output: r.hs, h: r.h };
    });
  }
}

/**
 * Runs one layer forward in time and another over the reversed sequence (PyTorch
 * `bidirectional=True`). Children are `fwd` and `bwd` (PyTorch: `*_l0` and `*_l0_reverse`).
 * `output[:, t]` is [forward h_t, backward h_t]; `h` is [forward's last step, backward's last step
 * (= its state at t = 0)], i.e. PyTorch's h_n[0] and h_n[1] side by side.
 */
export class Bidirectional extends Module implements SequenceLayer {
  readonly fwd: SequenceLayer;
  readonly bwd: SequenceLayer;
  readonly inputSize: number;
  readonly hiddenSize: number;

  constructor(fwd: SequenceLayer, bwd: SequenceLayer) {
    super();
    if (fwd.inputSize !== bwd.inputSize || fwd.hiddenSize !== bwd.hiddenSize) {
      throw new UntangleError('nn.rnn.bidirectional', 'both directions need the same input and hidden sizes',
        { fwd: [fwd.inputSize, fwd.hiddenSize], bwd: [bwd.inputSize, bwd.hiddenSize] });
    }
    this.fwd = this.child('fwd', fwd);
    this.bwd = this.child('bwd', bwd);
    this.inputSize = fwd.inputSize;
    this.hiddenSize = 2 * fwd.hiddenSize;
  }

  static lstm(inputSize: number, hiddenSize: number, rng: Rng): Bidirectional {
    return new Bidirectional(new LSTM(inputSize, hiddenSize, rng), new LSTM(inputSize, hiddenSize, rng));
  }

  static gru(inputSize: number, hiddenSize: number, rng: Rng): Bidirectional {
    return new Bidirectional(new GRU(inputSize, hiddenSize, rng), new GRU(inputSize, hiddenSize, rng));
  }

  forward(x: tf.Tensor3D): SequenceOutput {
    return tf.tidy(() => {
      const f = this.fwd.forward(x);
      const b = this.bwd.forward(tf.reverse(x, 1));
      const out: SequenceOutput = {
        output: tf.concat([f.output, tf.reverse(b.output, 1)], 2) as tf.Tensor3D,
        h: tf.concat([f.h, b.h], 1) as tf.Tensor2D,
      };
      if (f.c && b.c) out.c = tf.concat([f.c, b.c], 1) as tf.Tensor2D;
      return out;
    });
  }
}
