/**
 * Whole LSTM, GRU and tanh-RNN sequences (batch-first) as one fused kernel forward and one backward
 * where the backend has them (FUSED.lstmSequence / gruSequence / rnnTanhSequence: the time loop runs natively and the
 * recurrent weight's gradient is one product over all steps), else unrolled in tfjs ops with the
 * cell composites of rnn-cells.ts. The input projection x·W_ih is the caller's (one matMul up front).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, runFused, runFusedGrad } from '../../../framework/backends/fused.ts';
import { gruCellComposite, lstmCellComposite } from './rnn-cells.ts';

/**
 * The steps of [B, T, F] as T tensors [B, F]. One step is a reshape: tfjs-core's Unpack gradient
 * fails when Unpack has a single output (it hands stack() one tensor, not a list).
 */
function steps(xp: tf.Tensor3D): tf.Tensor2D[] {
  return xp.shape[1] === 1 ? [tf.reshape(xp, [xp.shape[0], xp.shape[2]])] : (tf.unstack(xp, 1) as tf.Tensor2D[]);
}

export type SequenceResult = { hs: tf.Tensor3D; h: tf.Tensor2D; c?: tf.Tensor2D };

// Forward outputs past the first three (LSTM) or two (GRU) are saved for the gradient only.
tf.registerGradient({
  kernelName: FUSED.lstmSequence,
  inputsToSave: ['h0', 'wh'],
  outputsToSave: [true, false, false, true, true],
  gradFunc: (dys, saved) => {
    const [h0, wh, hs, acts, cs] = saved;
    const [dhs, dhT, dcT] = dys as tf.Tensor[];
    const [dxp, dh0, dc0, dwh] = runFusedGrad<tf.Tensor[]>(FUSED.lstmSequenceGrad, { dhs, dhT, dcT, acts, cs, hs, h0, wh });
    return { xp: () => dxp, h0: () => dh0, c0: () => dc0, wh: () => dwh };
  },
});

tf.registerGradient({
  kernelName: FUSED.gruSequence,
  inputsToSave: ['h0', 'wh'],
  outputsToSave: [true, false, true, true],
  gradFunc: (dys, saved) => {
    const [h0, wh, hs, acts, hps] = saved;
    const [dhs, dhT] = dys as tf.Tensor[];
    const [dxp, dh0, dwh, dbh] = runFusedGrad<tf.Tensor[]>(FUSED.gruSequenceGrad, { dhs, dhT, acts, hps, hs, h0, wh });
    return { xp: () => dxp, h0: () => dh0, wh: () => dwh, bh: () => dbh };
  },
});

tf.registerGradient({
  kernelName: FUSED.rnnTanhSequence,
  inputsToSave: ['h0', 'wh'],
  outputsToSave: [true, false],
  gradFunc: (dys, saved) => {
    const [h0, wh, hs] = saved;
    const [dhs, dhT] = dys as tf.Tensor[];
    const [dxp, dh0, dwh] = runFusedGrad<tf.Tensor[]>(FUSED.rnnTanhSequenceGrad, { dhs, dhT, hs, h0, wh });
    return { xp: () => dxp, h0: () => dh0, wh: () => dwh };
  },
});

/** Composite tanh RNN over T steps: h_t = tanh(xp_t + h_{t-1}·W_hh). */
export function rnnTanhSequenceComposite(xp: tf.Tensor3D, h0: tf.Tensor2D, wh: tf.Tensor2D): SequenceResult {
  let h = h0;
  const hs: tf.Tensor2D[] = [];
  for (const x of steps(xp)) {
    h = tf.tanh(tf.add(x, tf.matMul(h, wh))) as tf.Tensor2D;
    hs.push(h);
  }
  return { hs: tf.stack(hs, 1) as tf.Tensor3D, h };
}

/** Composite LSTM over T steps: gates_t = h_{t-1}·W_hh + xp_t. */
export function lstmSequenceComposite(xp: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, wh: tf.Tensor2D): SequenceResult {
  let s = { h: h0, c: c0 };
  const hs: tf.Tensor2D[] = [];
  for (const x of steps(xp)) {
    s = lstmCellComposite(tf.add(tf.matMul(s.h, wh), x) as tf.Tensor2D, s.c);
    hs.push(s.h);
  }
  return { hs: tf.stack(hs, 1) as tf.Tensor3D, h: s.h, c: s.c };
}

/** Composite GRU over T steps: hp_t = h_{t-1}·W_hh + b_hh. */
export function gruSequenceComposite(xp: tf.Tensor3D, h0: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D | null): SequenceResult {
  let h = h0;
  const hs: tf.Tensor2D[] = [];
  for (const x of steps(xp)) {
    h = gruCellComposite(x, tf.fused.matMul({ a: h, b: wh, bias: bh ?? undefined }) as tf.Tensor2D, h);
    hs.push(h);
  }
  return { hs: tf.stack(hs, 1) as tf.Tensor3D, h };
}

/** LSTM over a sequence from xp = x·W_ih + b_ih + b_hh ([B, T, 4H], gates i, f, g, o). */
export function lstmSequence(xp: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, wh: tf.Tensor2D): SequenceResult {
  if (xp.dtype !== 'float32' || xp.shape[1] === 0) return lstmSequenceComposite(xp, h0, c0, wh);
  const out = runFused(FUSED.lstmSequence, { xp, h0, c0, wh }, {}, () => {
    const r = lstmSequenceComposite(xp, h0, c0, wh);
    return [r.hs, r.h, r.c as tf.Tensor];
  });
  tf.dispose(out.slice(3));
  return { hs: out[0] as tf.Tensor3D, h: out[1] as tf.Tensor2D, c: out[2] as tf.Tensor2D };
}

/** GRU over a sequence from xp = x·W_ih + b_ih ([B, T, 3H], blocks r, z, n); `bh` may be absent (no bias). */
export function gruSequence(xp: tf.Tensor3D, h0: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D | null): SequenceResult {
  if (xp.dtype !== 'float32' || xp.shape[1] === 0 || bh === null) return gruSequenceComposite(xp, h0, wh, bh);
  const out = runFused(FUSED.gruSequence, { xp, h0, wh, bh }, {}, () => {
    const r = gruSequenceComposite(xp, h0, wh, bh);
    return [r.hs, r.h];
  });
  tf.dispose(out.slice(2));
  return { hs: out[0] as tf.Tensor3D, h: out[1] as tf.Tensor2D };
}

/** Elman tanh RNN over a sequence from xp = x·W_ih + b_ih + b_hh ([B, T, H]). */
export function rnnTanhSequence(xp: tf.Tensor3D, h0: tf.Tensor2D, wh: tf.Tensor2D): SequenceResult {
  if (xp.dtype !== 'float32' || xp.shape[1] === 0) return rnnTanhSequenceComposite(xp, h0, wh);
  const [hs, h] = runFused(FUSED.rnnTanhSequence, { xp, h0, wh }, {}, () => {
    const r = rnnTanhSequenceComposite(xp, h0, wh);
    return [r.hs, r.h];
  });
  return { hs: hs as tf.Tensor3D, h: h as tf.Tensor2D };
}
