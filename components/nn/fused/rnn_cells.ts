/**
 * LSTM and GRU cell updates (the element-wise part after the matrix products) as one fused kernel
 * where the backend has it (FUSED.lstmCell / FUSED.gruCell and their gradients), else as plain
 * tfjs ops. PyTorch's gate order and equations.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, runFused, runFusedGrad } from '../../../framework/backends/fused.ts';

export type LstmState = { h: tf.Tensor2D; c: tf.Tensor2D };

/** c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c') for gates [B, 4H] in i, f, g, o order. */
export function lstmCellComposite(gates: tf.Tensor2D, c: tf.Tensor2D): LstmState {
  const [i, f, g, o] = tf.split(gates, 4, 1);
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
  return { h: tf.mul(tf.sigmoid(o), tf.tanh(cNext)) as tf.Tensor2D, c: cNext };
}

/** n = tanh(xn + r·hn), h' = n + z·(h − n), r = σ(xr + hr), z = σ(xz + hz); xp, hp [B, 3H] in r, z, n order. */
export function gruCellComposite(xp: tf.Tensor2D, hp: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  const H = h.shape[1];
  const [xrz, xn] = tf.split(xp, [2 * H, H], 1);
  const [hrz, hn] = tf.split(hp, [2 * H, H], 1);
  const [r, z] = tf.split(tf.sigmoid(tf.add(xrz, hrz)), 2, 1);
  const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
  return tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
}

// One gradient kernel yields every input's gradient, so it runs eagerly (see group_norm.ts).
tf.registerGradient({
  kernelName: FUSED.lstmCell,
  inputsToSave: ['gates', 'c'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const [gates, c, cNext] = saved;
    const [dh, dc] = dys as tf.Tensor[];
    const [dgates, dcPrev] = runFusedGrad<tf.Tensor[]>(FUSED.lstmCellGrad, { dh, dc, gates, c, cNext });
    return { gates: () => dgates, c: () => dcPrev };
  },
});

tf.registerGradient({
  kernelName: FUSED.gruCell,
  inputsToSave: ['xp', 'hp', 'h'],
  gradFunc: (dy, saved) => {
    const [xp, hp, h] = saved;
    const [dxp, dhp, dh] = runFusedGrad<tf.Tensor[]>(FUSED.gruCellGrad, { dy: dy as tf.Tensor, xp, hp, h });
    return { xp: () => dxp, hp: () => dhp, h: () => dh };
  },
});

/** One LSTM cell update from the summed gate pre-activations. */
export function lstmCell(gates: tf.Tensor2D, c: tf.Tensor2D): LstmState {
  if (gates.dtype !== 'float32') return lstmCellComposite(gates, c);
  const out = runFused(FUSED.lstmCell, { gates, c }, {}, () => { const s = lstmCellComposite(gates, c); return [s.h, s.c]; });
  return { h: out[0] as tf.Tensor2D, c: out[1] as tf.Tensor2D };
}

/** One GRU cell update from the input projection xp = x·W_ih + b_ih and hp = h·W_hh + b_hh. */
export function gruCell(xp: tf.Tensor2D, hp: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  if (xp.dtype !== 'float32') return gruCellComposite(xp, hp, h);
  return runFused(FUSED.gruCell, { xp, hp, h }, {}, () => gruCellComposite(xp, hp, h));
}
