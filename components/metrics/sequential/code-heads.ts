// The heads train inside an evaluation, which may run without the trainer having registered gradients.
import * as tf from '@tensorflow/tfjs-core';
import '../../../framework/backends/tfjs-gradients.ts';
import { Adam } from '../../optim/adam.ts';
import { Module } from '../../nn/module.ts';
import { Linear } from '../../nn/layers/linear.ts';
import { LSTM } from '../../nn/layers/recurrent.ts';
import { Rng } from '../../../framework/util/rng.ts';
import type { EncodedSet } from './encoded-set.ts';

/** Per-step inputs [d_t, s] of the given sequences, `[n, T, dynamicDim + staticDim]`. */
export function stepInputs(enc: EncodedSet, rows: ArrayLike<number>): Float32Array {
  const { steps: T, dynamicDim: D, staticDim: S } = enc;
  const W = D + S;
  const out = new Float32Array(rows.length * T * W);
  for (let i = 0; i < rows.length; i++) {
    const q = rows[i];
    for (let t = 0; t < T; t++) {
      const o = (i * T + t) * W;
      out.set(enc.d.subarray((q * T + t) * D, (q * T + t) * D + D), o);
      out.set(enc.s.subarray(q * S, q * S + S), o + D);
    }
  }
  return out;
}

/**
 * An LSTM over the whole sequence of [d_t, s] whose state at each sequence's last valid step feeds
 * a linear logit (the upstream read step ⌊len/4⌋ − 1, a quarter of the stay, bug 5).
 */
export class SequenceClassifier extends Module {
  readonly lstm: LSTM;
  readonly head: Linear;
  constructor(inputSize: number, hidden: number, rng: Rng) {
    super();
    this.lstm = this.child('lstm', new LSTM(inputSize, hidden, rng));
    this.head = this.child('head', new Linear(hidden, 1, rng));
  }
  /** x `[B, T, I]`, last `[B]` index of each sequence's last valid step → logits `[B]`. */
  forward(x: tf.Tensor3D, last: Int32Array): tf.Tensor1D {
    return tf.tidy(() => {
      const out = this.lstm.forward(x).output;
      const pick = tf.expandDims(tf.oneHot(tf.tensor1d(last, 'int32'), x.shape[1]), 2);
      return tf.reshape(this.head.forward(tf.sum(tf.mul(out, pick), 1)), [-1]) as tf.Tensor1D;
    });
  }
}

/** A per-step two-layer MLP regressor `[…, I]` → `[…]`. */
export class StepRegressor extends Module {
  readonly l1: Linear;
  readonly l2: Linear;
  constructor(inputSize: number, hidden: number, rng: Rng) {
    super();
    this.l1 = this.child('l1', new Linear(inputSize, hidden, rng, { activation: 'relu' }));
    this.l2 = this.child('l2', new Linear(hidden, 1, rng));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.squeeze(this.l2.forward(this.l1.forward(x)), [-1]));
  }
}

/** Minibatch Adam on `loss(rows)` over `train` rows for `steps` steps; batches are drawn from `rng`. */
export function fitHead(module: Module, train: Int32Array, loss: (rows: Int32Array) => tf.Scalar,
  opts: { steps: number; batch: number; lr: number }, rng: Rng): void {
  const opt = new Adam({ lr: opts.lr });
  const vars = module.trainableVariables();
  try {
    for (let s = 0; s < opts.steps; s++) {
      const perm = rng.permutation(train.length).subarray(0, Math.min(opts.batch, train.length));
      const rows = Int32Array.from(perm, (i) => train[i]);
      const { value, grads } = tf.variableGrads(() => loss(rows), vars);
      opt.apply(vars, vars.map((v) => grads[v.name]), opts.lr);
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    opt.dispose();
  }
}

/** A fresh generator per repeat, so every repeat's head starts from its own initialisation. */
export function repeatRng(base: Rng): Rng {
  return new Rng(base.nextU32());
}
