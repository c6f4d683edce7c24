import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../framework/util/errors.ts';
import { adamStep, adamStepAll, type AdamStepConfig } from './adam-step.ts';
import { SlotOptimizer } from './slot-optimizer.ts';

export interface AdamOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay p ← p·(1 − lr·wd). */
  weightDecay?: number;
}

/**
 * Adam with PyTorch's `torch.optim.Adam` arithmetic: bias-corrected moments and eps added
 * *outside* the square root, p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε). `weightDecay` is the
 * coupled L2 form (g ← g + wd·p). Slots: `m`, `v`.
 */
export class Adam extends SlotOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly decoupled: boolean = false;

  constructor(opts: AdamOptions) {
    super(opts.lr, ['m', 'v']);
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    for (const [name, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new UntangleError('optim.adam.beta', `${name} must be in [0, 1), got ${b}`, { [name]: b });
    }
    if (!(this.eps >= 0)) throw new UntangleError('optim.adam.eps', `eps must be ≥ 0, got ${this.eps}`, { eps: this.eps });
    if (!(this.weightDecay >= 0)) {
      throw new UntangleError('optim.weight_decay', `weight_decay must be ≥ 0, got ${this.weightDecay}`, { weightDecay: this.weightDecay });
    }
  }

  private config(lr: number, step: number): AdamStepConfig {
    const wd = this.weightDecay;
    return {
      lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, step,
      l2: this.decoupled ? 0 : wd, pScale: this.decoupled && wd !== 0 ? 1 - lr * wd : 1,
    };
  }

  protected update(param: tf.Tensor, grad: tf.Tensor, slots: Record<string, tf.Tensor>, lr: number, step: number) {
    const r = adamStep(param, grad, slots.m, slots.v, this.config(lr, step));
    return { param: r.param, slots: { m: r.m, v: r.v } };
  }

  protected override updateAll(params: tf.Tensor[], grads: tf.Tensor[], slots: Record<string, tf.Tensor[]>, lr: number, step: number) {
    const rs = adamStepAll(params, grads, slots.m, slots.v, this.config(lr, step));
    return { params: rs.map((r) => r.param), slots: { m: rs.map((r) => r.m), v: rs.map((r) => r.v) } };
  }
}

/**
 * AdamW (PyTorch `torch.optim.AdamW`): Adam with decoupled weight decay p ← p·(1 − lr·wd) applied
 * before the Adam step. PyTorch's default weight decay is 0.01.
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(opts: AdamOptions) {
    super({ ...opts, weightDecay: opts.weightDecay ?? 0.01 });
  }
}
