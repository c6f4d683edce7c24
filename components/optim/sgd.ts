import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../framework/util/errors.ts';
import { SlotOptimizer } from './slot-optimizer.ts';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * SGD with PyTorch's `torch.optim.SGD` arithmetic: g ← g + wd·p; the momentum buffer starts as
 * the first gradient, then b ← μ·b + (1 − dampening)·g; the step uses g + μ·b (Nesterov) or b.
 * Slot: `momentum` (only with momentum > 0).
 */
export class SGD extends SlotOptimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(opts: SgdOptions) {
    super(opts.lr, (opts.momentum ?? 0) !== 0 ? ['momentum'] : []);
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new UntangleError('optim.sgd.nesterov', 'Nesterov momentum requires momentum > 0 and dampening 0 (as in PyTorch)',
        { momentum: this.momentum, dampening: this.dampening });
    }
    if (!(this.momentum >= 0)) throw new UntangleError('optim.sgd.momentum', `momentum must be ≥ 0, got ${this.momentum}`, {});
  }

  protected update(param: tf.Tensor, grad: tf.Tensor, slots: Record<string, tf.Tensor>, lr: number, _step: number, i: number) {
    let g = this.weightDecay !== 0 ? tf.add(grad, tf.mul(param, this.weightDecay)) : grad;
    const out: Record<string, tf.Tensor> = {};
    if (this.momentum !== 0) {
      const buf = this.hasSlot('momentum', i)
        ? tf.add(tf.mul(slots.momentum, this.momentum), tf.mul(g, 1 - this.dampening))
        : tf.clone(g);
      out.momentum = buf;
      g = this.nesterov ? tf.add(g, tf.mul(buf, this.momentum)) : buf;
    }
    return { param: tf.sub(param, tf.mul(g, lr)), slots: out };
  }
}
