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

// One gradient kernel yields every input's gradient, so it runs eagerly (see group-norm.ts).
// The forward kernels also return the activated gates, which their gradients take back.
tf.registerGradient({
  kernelName: FUSED.lstmCell,
  inputsToSave: ['c'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved) => {
    const [c, cNext, act] = saved;
    const [dh, dc] = dys as tf.Tensor[];
    const [dgates, dcPrev] = runFusedGrad<tf.Tensor[]>(FUSED.lstmCellGrad, { dh, dc, act, c, cNext });
    return { gates: () => dgates, c: () => dcPrev };
  },
});

tf.registerGradient({
  kernelName: FUSED.gruCell,
  inputsToSave: ['hp', 'h'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const [hp, h, act] = saved;
    const dy = (dys as tf.Tensor[])[0];
    const [dxp, dhp, dh] = runFusedGrad<tf.Tensor[]>(FUSED.gruCellGrad, { dy, act, hp, h });
    return { xp: () => dxp, hp: () => dhp, h: () => dh };
  },
});

/** One LSTM cell update from the summed gate pre-activations. */
export function lstmCell(gates: tf.Tensor2D, c: tf.Tensor2D): LstmState {
  if (gates.dtype !== 'float32') return lstmCellComposite(gates, c);
  const out = runFused(FUSED.lstmCell, { gates, c }, {}, () => { const s = lstmCellComposite(gates, c); return [s.h, s.c]; });
  // The kernel's third output (activated gates) is for its gradient, which holds its own reference.
  tf.dispose(out.slice(2));
  return { h: out[0] as tf.Tensor2D, c: out[1] as tf.Tensor2D };
}

/** One GRU cell update from the input projection xp = x·W_ih + b_ih and hp = h·W_hh + b_hh. */
export function gruCell(xp: tf.Tensor2D, hp: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  if (xp.dtype !== 'float32') return gruCellComposite(xp, hp, h);
  const out = runFused(FUSED.gruCell, { xp, hp, h }, {}, () => [gruCellComposite(xp, hp, h)]);
  tf.dispose(out.slice(1));   // the activated gates, kept by the gradient where one is recorded
  return out[0] as tf.Tensor2D;
}
