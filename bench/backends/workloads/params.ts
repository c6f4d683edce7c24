/**
 * Parameters and a hand-written Adam for the benchmark workloads, in plain tfjs-core ops so they
 * run unchanged on every backend. Initial values come from Rng (never tfjs random ops), so all
 * backends, and the PyTorch reference (which receives the same arrays), start from the same point.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../framework/util/rng.ts';
import { adamStep } from '../../../components/optim/adam-step.ts';

export type Params = Record<string, tf.Variable>;

/** Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)) like PyTorch's default layer init. */
export function initValues(rng: Rng, shape: number[], fanIn: number): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  return rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -bound, bound);
}

/** tfjs variable names are global: each model instance gets its own prefix. */
let instances = 0;

export class ParamBuilder {
  readonly params: Params = {};
  /** Raw initial values by name, for export to the PyTorch reference. */
  readonly initial: Record<string, { shape: number[]; values: Float32Array }> = {};
  private readonly prefix = `m${instances++}/`;
  constructor(private readonly rng: Rng) {}
  add(name: string, shape: number[], fanIn: number, fill?: number): tf.Variable {
    const values = fill === undefined ? initValues(this.rng, shape, fanIn) : new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill);
    this.initial[name] = { shape, values };
    const v = tf.variable(tf.tensor(values, shape), true, this.prefix + name);
    this.params[name] = v;
    return v;
  }
}

/**
 * Adam (PyTorch's update rule, no weight decay) through the optim package's adamStep: one fused
 * kernel per parameter where the backend has it, plain tf ops elsewhere.
 */
export class Adam {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  constructor(private readonly params: Params, private readonly lr = 1e-4, private readonly b1 = 0.9, private readonly b2 = 0.999, private readonly eps = 1e-8) {
    for (const [k, p] of Object.entries(params)) {
      this.m.set(k, tf.variable(tf.zerosLike(p), false));
      this.v.set(k, tf.variable(tf.zerosLike(p), false));
    }
  }
  apply(grads: Record<string, tf.Tensor>): void {
    this.t++;
    tf.tidy(() => {
      for (const [k, p] of Object.entries(this.params)) {
        const g = grads[p.name];
        if (!g) continue;
        const m = this.m.get(k)!, v = this.v.get(k)!;
        const r = adamStep(p, g, m, v, { lr: this.lr, beta1: this.b1, beta2: this.b2, eps: this.eps, step: this.t });
        m.assign(r.m);
        v.assign(r.v);
        p.assign(r.param);
      }
    });
  }
  dispose(): void { for (const t of [...this.m.values(), ...this.v.values()]) t.dispose(); }
}

/** One training step: loss, gradients through tfjs-core autodiff, Adam update; returns the loss. */
export function trainStep(params: Params, opt: Adam, loss: () => tf.Scalar): number {
  const { value, grads } = tf.variableGrads(loss, Object.values(params));
  opt.apply(grads);
  const l = value.dataSync()[0];
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return l;
}

export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar { return tf.mean(tf.squaredDifference(a, b)) as tf.Scalar; }
