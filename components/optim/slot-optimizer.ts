import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '../../framework/contracts/index.ts';
import { UntangleError } from '../../framework/util/errors.ts';

/**
 * Shared bookkeeping of the element-wise optimisers: per-variable state tensors ("slots", e.g.
 * Adam's `m` and `v`), created lazily as zeros, plus a global step count.
 *
 * Checkpoint state: `<slot>/<i>` for the i-th variable of `apply`'s list, and `step` (int32
 * scalar). `state()` returns copies the caller owns; `loadState()` copies too.
 */
export abstract class SlotOptimizer implements Optimizer {
  /** Number of `apply` calls so far (PyTorch's per-parameter `step`, shared since all update together). */
  protected stepCount = 0;
  private readonly slots = new Map<string, (tf.Tensor | null)[]>();

  constructor(readonly lr: number, private readonly slotNames: readonly string[]) {
    if (!(lr >= 0) || !Number.isFinite(lr)) {
      throw new UntangleError('optim.lr', `learning rate must be a finite number ≥ 0, got ${lr}`, { lr });
    }
    for (const s of slotNames) this.slots.set(s, []);
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * Compute the new parameter and the new slot values for one variable (inside a tidy; the result
   * tensors are kept). `slots` holds the current values (zeros on the first step), by slot name.
   */
  protected abstract update(param: tf.Tensor, grad: tf.Tensor, slots: Record<string, tf.Tensor>, lr: number,
    step: number, index: number): { param: tf.Tensor; slots: Record<string, tf.Tensor> };

  /**
   * Optional: the update of every variable of a step at once (lists in `apply`'s order, slots by
   * name), equal to calling `update` on each; one call lets a backend run one kernel per step
   * instead of one per variable. Optimisers without it are updated variable by variable.
   */
  protected updateAll?(params: tf.Tensor[], grads: tf.Tensor[], slots: Record<string, tf.Tensor[]>, lr: number,
    step: number): { params: tf.Tensor[]; slots: Record<string, tf.Tensor[]> };

  /** Whether a slot of the i-th variable exists yet (SGD's momentum buffer starts from the first gradient). */
  protected hasSlot(name: string, i: number): boolean {
    return (this.slots.get(name)?.[i] ?? null) !== null;
  }

  apply(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    if (vars.length !== grads.length) {
      throw new UntangleError('optim.apply.length', `${vars.length} variables but ${grads.length} gradients`, {});
    }
    this.stepCount += 1;
    const t = this.stepCount;
    if (this.updateAll) {
      this.applyAll(vars, grads, lr, t);
      return;
    }
    for (let i = 0; i < vars.length; i++) {
      const v = vars[i];
      const g = grads[i];
      if (g === null || g === undefined) continue; // a variable the loss does not depend on
      const current = this.currentSlots(v, g, i);
      const out = tf.tidy(() => {
        const r = this.update(v, g, current, lr, t, i);
        v.assign(r.param);
        return r.slots;
      });
      this.keepSlots(i, current, out);
    }
  }

  /** `apply` through `updateAll`: every variable with a gradient in one call. */
  private applyAll(vars: tf.Variable[], grads: tf.Tensor[], lr: number, t: number): void {
    const idx: number[] = [];
    const currents: Record<string, tf.Tensor>[] = [];
    for (let i = 0; i < vars.length; i++) {
      const g = grads[i];
      if (g === null || g === undefined) continue;
      currents.push(this.currentSlots(vars[i], g, i));
      idx.push(i);
    }
    if (idx.length === 0) return;
    const names = [...this.slots.keys()];
    const out = tf.tidy(() => {
      const slotLists = Object.fromEntries(names.map((n) => [n, currents.map((c) => c[n])]));
      const r = this.updateAll!(idx.map((i) => vars[i]), idx.map((i) => grads[i]), slotLists, lr, t);
      r.params.forEach((p, k) => vars[idx[k]].assign(p));
      return r.slots;
    });
    idx.forEach((i, k) => this.keepSlots(i, currents[k], Object.fromEntries(names.map((n) => [n, out[n][k]]))));
  }

  /** The slots of variable i for this step (zeros the first time), checked against its shape. */
  private currentSlots(v: tf.Variable, g: tf.Tensor, i: number): Record<string, tf.Tensor> {
    if (!sameShape(v.shape, g.shape)) {
      throw new UntangleError('optim.apply.shape', `gradient ${i} has shape [${g.shape}] but its variable [${v.shape}]`,
        { index: i, variable: v.name });
    }
    const current: Record<string, tf.Tensor> = {};
    for (const [name, list] of this.slots) {
      const s = list[i] ?? null;
      if (s !== null && !sameShape(s.shape, v.shape)) {
        throw new UntangleError('optim.state.shape', `optimiser slot ${name}/${i} has shape [${s.shape}] but variable ${i} is [${v.shape}]`,
          { slot: `${name}/${i}` }, 'the optimiser state belongs to a different model or variable order');
      }
      current[name] = s ?? tf.zeros(v.shape);
    }
    return current;
  }

  /** Stores variable i's new slots, disposing the old ones (or the zeros that stood in for them). */
  private keepSlots(i: number, current: Record<string, tf.Tensor>, fresh: Record<string, tf.Tensor>): void {
    for (const [name, list] of this.slots) {
      const old = list[i] ?? null;
      if (old !== null) old.dispose();
      else if (current[name] !== fresh[name]) current[name].dispose();
      list[i] = fresh[name];
    }
  }

  state(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, list] of this.slots) {
      list.forEach((s, i) => { if (s !== null && s !== undefined) out.set(`${name}/${i}`, tf.clone(s)); });
    }
    out.set('step', tf.scalar(this.stepCount, 'int32'));
    return out;
  }

  loadState(state: Map<string, tf.Tensor>): void {
    const step = state.get('step');
    if (step === undefined) {
      throw new UntangleError('optim.state.step', 'optimiser state has no `step` entry', { keys: [...state.keys()] });
    }
    const unknown = [...state.keys()].filter((k) => k !== 'step' && !this.slotNames.includes(k.split('/')[0]));
    if (unknown.length > 0) {
      throw new UntangleError('optim.state.keys', `optimiser state has entries this ${this.constructor.name} does not use`,
        { unknown, slots: [...this.slotNames] }, 'was the checkpoint written with a different optimiser?');
    }
    this.disposeSlots();
    for (const [key, t] of state) {
      if (key === 'step') continue;
      const [name, idx] = key.split('/');
      const i = Number(idx);
      if (!Number.isInteger(i) || i < 0) {
        throw new UntangleError('optim.state.keys', `bad optimiser state key '${key}'`, { key }, 'keys are `<slot>/<index>`');
      }
      const list = this.slots.get(name)!;
      while (list.length <= i) list.push(null);
      list[i] = t.dtype === 'float32' ? tf.clone(t) : tf.cast(t, 'float32');
    }
    this.stepCount = Math.round(step.dataSync()[0]);
  }

  private disposeSlots(): void {
    for (const list of this.slots.values()) {
      for (const s of list) s?.dispose();
      list.length = 0;
    }
  }

  dispose(): void {
    this.disposeSlots();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
