/**
 * Fused kernels: named tfjs kernels that do in one call what plain tfjs ops do in many (an Adam
 * update, a GroupNorm, an LSTM cell, ...). A backend may register them (the libtorch backend
 * does); every op that uses one also has a composite in plain tfjs ops, which runs wherever the
 * active backend lacks the kernel. So components stay plain tfjs code that runs unchanged on every
 * backend, and a fast backend is not held back by tfjs-core's per-kernel overhead (~10 µs of
 * engine bookkeeping per kernel) or by one memory pass per elementwise op.
 *
 * This module knows kernel names and their contracts, nothing about models.
 */
import { engine, getBackend, getKernel } from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import { LibtorchError } from './errors.ts';

/**
 * The fused kernel names and their contracts (inputs → outputs; attrs). Float32 only.
 * Forward kernels have a registered gradient that calls the matching `*Grad` kernel.
 */
export const FUSED = {
  /** {p, g, m, v} → [p', m', v']; {lrOverBc1, beta1, beta2, eps, sqrtBc2, l2, pScale}: PyTorch's Adam step. */
  adamStep: 'UntangleAdamStep',
  /** {p0…, g0…, m0…, v0…} (n each) → [p'0…, m'0…, v'0…]; adamStep's attrs and {n}: adamStep over a list in one call. */
  adamStepAll: 'UntangleAdamStepAll',
  /** {dy, x} → dy · step(x): the gradient of Relu. */
  reluGrad: 'UntangleReluGrad',
  /** {x [B,…,C], gamma [C], beta [C]} → [y, mean [B,G], rstd [B,G]]; {groups, eps}. */
  groupNorm: 'UntangleGroupNorm',
  /** {dy, x, mean, rstd, gamma} → [dx, dgamma, dbeta]; {groups}. */
  groupNormGrad: 'UntangleGroupNormGrad',
  /** {gates [B,4H] (i,f,g,o), c [B,H]} → [h', c', act [B,4H] (the activated gates)]. */
  lstmCell: 'UntangleLSTMCell',
  /** {dh, dc, act, c, cNext} → [dgates, dc]. */
  lstmCellGrad: 'UntangleLSTMCellGrad',
  /** {xp [B,3H], hp [B,3H], h [B,H]} (r,z,n blocks) → [h', act [B,3H] (r, z, n)]. */
  gruCell: 'UntangleGRUCell',
  /** {dy, act, hp, h} → [dxp, dhp, dh]. */
  gruCellGrad: 'UntangleGRUCellGrad',
  /** {xp [B,T,4H] (x·W_ih + biases), h0 [B,H], c0 [B,H], wh [H,4H]} → [hs [B,T,H], hT, cT, acts [T,B,4H], cs [T+1,B,H]]. */
  lstmSequence: 'UntangleLSTMSequence',
  /** {dhs, dhT, dcT, acts, cs, hs, h0, wh} → [dxp, dh0, dc0, dwh]. */
  lstmSequenceGrad: 'UntangleLSTMSequenceGrad',
  /** {xp [B,T,3H] (x·W_ih + b_ih), h0 [B,H], wh [H,3H], bh [3H]} → [hs [B,T,H], hT, acts [T,B,3H], hps [T,B,3H]]. */
  gruSequence: 'UntangleGRUSequence',
  /** {dhs, dhT, acts, hps, hs, h0, wh} → [dxp, dh0, dwh, dbh]. */
  gruSequenceGrad: 'UntangleGRUSequenceGrad',
  /** {xp [B,T,H] (x·W_ih + b_ih + b_hh), h0 [B,H], wh [H,H]} → [hs [B,T,H], hT]: h_t = tanh(xp_t + h_{t−1}·W_hh). */
  rnnTanhSequence: 'UntangleRNNTanhSequence',
  /** {dhs, dhT, hs, h0, wh} → [dxp, dh0, dwh]. */
  rnnTanhSequenceGrad: 'UntangleRNNTanhSequenceGrad',
  /** {x [..., C], ss [..., 2C]} → x·(1 + ss[..., :C]) + ss[..., C:] (FiLM from one projection). */
  film: 'UntangleFilm',
  /** {dy, x, ss} → [dx, dss]. */
  filmGrad: 'UntangleFilmGrad',
  /** {0: x0, 1: x1, …} (a list, like AddN) → scalar √(Σ over all elements of x²). No gradient. */
  globalNorm: 'UntangleGlobalNorm',
  /** {0: x0, 1: x1, …} → [x0·scale, x1·scale, …]; {scale}. No gradient. */
  scaleAll: 'UntangleScaleAll',
  /** {x [N,I], w [I,O], bias [O]} → x·w + bias (one addmm). Its gradient is plain tfjs ops, one per input that needs it. */
  linear: 'UntangleLinear',
  /**
   * {} → [mask (float32, `shape`), state int32 [4]]; {shape, p, keep, state: [s0, s1, s2, s3]}: mask[i] = keep where the i-th
   * 53-bit uniform of the xoshiro128** generator in `state` is ≥ p, else 0; `state` after the last draw. No gradient.
   */
  keepMask: 'UntangleKeepMask',
  /** {x} → x·sigmoid(x). */
  silu: 'UntangleSilu',
  /** {dy, x} → dy · d silu/dx. */
  siluGrad: 'UntangleSiluGrad',
} as const;

export type FusedKernelName = (typeof FUSED)[keyof typeof FUSED];

let enabled = process.env.UNTANGLE_FUSED !== '0';

/**
 * Turns fused kernels off (composites everywhere) or back on; returns the previous setting.
 * For measuring what fusion buys and for testing a composite on a backend that has the kernel.
 * The environment variable UNTANGLE_FUSED=0 starts a process with them off.
 */
export function setFusedKernels(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether the active backend runs `kernelName` (and fused kernels are on). */
export function hasFusedKernel(kernelName: FusedKernelName): boolean {
  return enabled && getKernel(kernelName, getBackend()) !== undefined;
}

/**
 * Runs the fused kernel when the active backend has it, else `composite()` (plain tfjs ops that
 * compute the same thing). Multi-output kernels return their outputs as an array.
 */
export function runFused<T extends Tensor | Tensor[]>(kernelName: FusedKernelName, inputs: NamedTensorMap, attrs: NamedAttrMap,
  composite: () => T): T {
  if (!hasFusedKernel(kernelName)) return composite();
  return engine().runKernel(kernelName, inputs, attrs) as unknown as T;
}

/**
 * Runs a fused gradient kernel. Only called from the gradient of a fused forward kernel, which ran
 * on the same backend, so the kernel must exist; a backend that registers a forward kernel without
 * its gradient kernel is a bug worth a clear message.
 */
export function runFusedGrad<T extends Tensor | Tensor[]>(kernelName: FusedKernelName, inputs: NamedTensorMap, attrs: NamedAttrMap = {}): T {
  if (getKernel(kernelName, getBackend()) === undefined) {
    throw new LibtorchError('FUSED_GRAD_MISSING', `backend '${getBackend()}' ran a fused kernel but has no '${kernelName}' for its gradient`,
      { kernel: kernelName, backend: getBackend() }, 'register the gradient kernel with the forward one');
  }
  return engine().runKernel(kernelName, inputs, attrs) as unknown as T;
}
