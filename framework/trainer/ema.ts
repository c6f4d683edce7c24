import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../util/errors.ts';

export interface EmaOptions {
  /** Target decay (LDM default 0.9999). */
  decay?: number;
  /** LDM's warm-up: the effective decay is min(decay, (1 + n)/(10 + n)) after the n-th update. */
  useNumUpdates?: boolean;
}

/**
 * Exponential moving average of model weights (LDM's `LitEma`): after each optimiser step,
 * shadow ← shadow − (1 − d)·(shadow − w) for trainable variables, where d is the decay (with the
 * warm-up, d = min(decay, (1 + n)/(10 + n)), n counting updates from 1). Non-trainable variables
 * (e.g. running statistics) are copied, as LDM copies buffers.
 *
 * For evaluation, `swapIn()` puts the averaged weights into the model (keeping the trained ones)
 * and `swapOut()` restores them; `withAveraged(fn)` does both around `fn`.
 *
 * Checkpoint state: `shadow/<name>` per variable and `num_updates` (int32 scalar).
 */
export class Ema {
  readonly decay: number;
  readonly useNumUpdates: boolean;
  private numUpdates = 0;
  private readonly shadow = new Map<string, tf.Variable>();
  private stash: Map<string, tf.Tensor> | null = null;

  constructor(private readonly vars: Map<string, tf.Variable>, opts: EmaOptions = {}) {
    this.decay = opts.decay ?? 0.9999;
    this.useNumUpdates = opts.useNumUpdates ?? true;
    if (!(this.decay >= 0 && this.decay <= 1)) {
      throw new UntangleError('optim.ema.decay', `EMA decay must be in [0, 1], got ${this.decay}`, { decay: this.decay });
    }
    for (const [name, v] of vars) this.shadow.set(name, tf.variable(v, false));
  }

  /** LDM's warm-up decay for the n-th update (n ≥ 1): min(decay, (1 + n)/(10 + n)). */
  static warmupDecay(decay: number, n: number): number {
    return Math.min(decay, (1 + n) / (10 + n));
  }

  get updates(): number {
    return this.numUpdates;
  }

  /** Fold the current weights into the average; returns the decay used. */
  update(): number {
    if (this.stash) throw new UntangleError('optim.ema.swapped', 'EMA update while averaged weights are swapped in', {}, 'call swapOut() first');
    let d = this.decay;
    if (this.useNumUpdates) {
      this.numUpdates += 1;
      d = Ema.warmupDecay(this.decay, this.numUpdates);
    }
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        const s = this.shadow.get(name)!;
        s.assign(v.trainable ? tf.sub(s, tf.mul(tf.sub(s, v), 1 - d)) : v);
      }
    });
    return d;
  }

  /** Put the averaged weights into the model, keeping the trained ones for `swapOut()`. */
  swapIn(): void {
    if (this.stash) return;
    this.stash = new Map();
    for (const [name, v] of this.vars) {
      this.stash.set(name, tf.clone(v));
      v.assign(this.shadow.get(name)!);
    }
  }

  swapOut(): void {
    if (!this.stash) return;
    for (const [name, v] of this.vars) {
      const t = this.stash.get(name)!;
      v.assign(t);
      t.dispose();
    }
    this.stash = null;
  }

  withAveraged<T>(fn: () => T): T {
    this.swapIn();
    try {
      return fn();
    } finally {
      this.swapOut();
    }
  }

  /** Copies the caller owns. */
  state(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, s] of this.shadow) out.set(`shadow/${name}`, tf.clone(s));
    out.set('num_updates', tf.scalar(this.numUpdates, 'int32'));
    return out;
  }

  loadState(state: Map<string, tf.Tensor>): void {
    const missing = [...this.shadow.keys()].filter((n) => !state.has(`shadow/${n}`));
    const n = state.get('num_updates');
    if (missing.length > 0 || n === undefined) {
      throw new UntangleError('optim.ema.state', 'EMA state does not match the model', {
        missing: missing.map((m) => `shadow/${m}`), numUpdates: n === undefined ? 'missing' : undefined,
      });
    }
    for (const [name, s] of this.shadow) {
      const t = state.get(`shadow/${name}`)!;
      if (t.shape.join(',') !== s.shape.join(',')) {
        throw new UntangleError('optim.ema.shape', `EMA shadow of ${name} is [${t.shape}], the variable [${s.shape}]`, { name });
      }
      s.assign(t);
    }
    this.numUpdates = Math.round(n.dataSync()[0]);
  }

  dispose(): void {
    this.swapOut();
    for (const s of this.shadow.values()) s.dispose();
  }
}
