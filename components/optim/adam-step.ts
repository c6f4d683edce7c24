/**
 * One Adam update of one parameter with PyTorch's `torch.optim.Adam` arithmetic, as one fused
 * kernel where the backend has it (FUSED.adamStep: one pass over p, g, m, v) and as plain tfjs
 * ops elsewhere (about twelve kernels, each a pass over memory). The fused kernel follows the
 * composite operation by operation, so the two agree to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, hasFusedKernel, runFused } from '../../framework/backends/fused.ts';

export interface AdamStepConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step count (bias corrections 1 − βᵗ). */
  step: number;
  /** Coupled L2 penalty: g ← g + l2·p (Adam's weight_decay). */
  l2?: number;
  /** Decoupled decay factor: p ← pScale·p before the step (AdamW: 1 − lr·wd). */
  pScale?: number;
}

export interface AdamStepResult { param: tf.Tensor; m: tf.Tensor; v: tf.Tensor }

/** The composite: p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε) with m, v the updated moments. */
export function adamStepComposite(param: tf.Tensor, grad: tf.Tensor, m0: tf.Tensor, v0: tf.Tensor, c: AdamStepConfig): AdamStepResult {
  let p = param;
  let g = grad;
  if ((c.l2 ?? 0) !== 0) g = tf.add(g, tf.mul(p, c.l2 ?? 0));
  if ((c.pScale ?? 1) !== 1) p = tf.mul(p, c.pScale ?? 1);
  const m = tf.add(tf.mul(m0, c.beta1), tf.mul(g, 1 - c.beta1));
  const v = tf.add(tf.mul(v0, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
  const bc1 = 1 - c.beta1 ** c.step;
  const bc2 = 1 - c.beta2 ** c.step;
  const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), c.eps);
  return { param: tf.sub(p, tf.mul(tf.div(m, denom), c.lr / bc1)), m, v };
}

function kernelAttrs(c: AdamStepConfig) {
  return {
    lrOverBc1: c.lr / (1 - c.beta1 ** c.step), beta1: c.beta1, beta2: c.beta2, eps: c.eps,
    sqrtBc2: Math.sqrt(1 - c.beta2 ** c.step), l2: c.l2 ?? 0, pScale: c.pScale ?? 1,
  };
}

export function adamStep(param: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, c: AdamStepConfig): AdamStepResult {
  if (param.dtype !== 'float32' || grad.dtype !== 'float32') return adamStepComposite(param, grad, m, v, c);
  const attrs = kernelAttrs(c);
  const out = runFused(FUSED.adamStep, { p: param, g: grad, m, v }, attrs, () => {
    const r = adamStepComposite(param, grad, m, v, c);
    return [r.param, r.m, r.v];
  });
  return { param: out[0], m: out[1], v: out[2] };
}

/**
 * adamStep over lists of parameters (same config), as one fused kernel where the backend has it
 * (FUSED.adamStepAll: one call per optimiser step instead of one per parameter), else adamStep on
 * each. Returns the new parameters and moments in list order.
 */
export function adamStepAll(params: tf.Tensor[], grads: tf.Tensor[], ms: tf.Tensor[], vs: tf.Tensor[], c: AdamStepConfig): AdamStepResult[] {
  const n = params.length;
  const f32 = [...params, ...grads].every((t) => t.dtype === 'float32');
  if (n === 0 || !f32 || !hasFusedKernel(FUSED.adamStepAll)) return params.map((p, i) => adamStep(p, grads[i], ms[i], vs[i], c));
  const inputs: tf.NamedTensorMap = {};
  for (let i = 0; i < n; i++) {
    inputs[`p${i}`] = params[i]; inputs[`g${i}`] = grads[i]; inputs[`m${i}`] = ms[i]; inputs[`v${i}`] = vs[i];
  }
  const out = tf.engine().runKernel(FUSED.adamStepAll, inputs, { ...kernelAttrs(c), n }) as tf.Tensor[];
  return params.map((_, i) => ({ param: out[i], m: out[n + i], v: out[2 * n + i] }));
}
