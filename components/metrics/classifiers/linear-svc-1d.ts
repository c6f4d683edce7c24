import { UntangleError } from '../../../framework/util/errors.ts';
import { encodeLabels } from '../labels.ts';

/**
 * sklearn's `LinearSVC(C=0.01, class_weight="balanced")` on a single feature, as SAP uses it for
 * discrete factors. liblinear's problem, solved here exactly in the primal (two unknowns per
 * binary sub-problem, so a damped Newton method converges in a handful of steps):
 *
 *   min_{w,b}  ½(w² + b²) + Σ_i c_i · max(0, 1 − y_i (w x_i + b))²
 *
 * (squared hinge, bias penalised as liblinear's intercept_scaling=1 feature). Class weights are
 * n / (K · n_k). Two classes: one problem, each sample weighted C·weight(own class). More classes:
 * one-vs-rest, where (as in liblinear) the positive class gets C·weight_k and the rest plain C.
 * Prediction: decision > 0 → second class (binary); arg-max of the K decisions (multi-class).
 */
export class LinearSvc1d {
  classes: Int32Array = new Int32Array(0);
  /** Per binary problem: [w, b]. */
  private models: Array<[number, number]> = [];

  constructor(readonly C = 0.01) {}

  fit(x: ArrayLike<number>, y: ArrayLike<number>, n: number): this {
    const { classes, index } = encodeLabels(y, n);
    const K = classes.length;
    if (K < 2) {
      throw new UntangleError('svc.single_class', 'LinearSVC needs at least two classes', { classes: Array.from(classes), n });
    }
    this.classes = classes;
    const counts = new Float64Array(K);
    for (let i = 0; i < n; i++) counts[index[i]]++;
    const weight = Array.from(counts, (c) => n / (K * c));
    const sign = new Float64Array(n);
    const cost = new Float64Array(n);
    this.models = [];
    if (K === 2) {
      for (let i = 0; i < n; i++) {
        sign[i] = index[i] === 1 ? 1 : -1;
        cost[i] = this.C * weight[index[i]];
      }
      this.models.push(solveSquaredHinge(x, sign, cost, n));
      return this;
    }
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++) {
        const pos = index[i] === k;
        sign[i] = pos ? 1 : -1;
        cost[i] = pos ? this.C * weight[k] : this.C;
      }
      this.models.push(solveSquaredHinge(x, sign, cost, n));
    }
    return this;
  }

  predict(x: ArrayLike<number>, n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (this.models.length === 1) {
        const [w, b] = this.models[0];
        out[i] = this.classes[w * x[i] + b > 0 ? 1 : 0];
        continue;
      }
      let best = 0;
      let bestScore = -Infinity;
      for (let k = 0; k < this.models.length; k++) {
        const [w, b] = this.models[k];
        const s = w * x[i] + b;
        if (s > bestScore) {
          bestScore = s;
          best = k;
        }
      }
      out[i] = this.classes[best];
    }
    return out;
  }

  /** Learned [w, b] of each binary problem (for tests and inspection). */
  get weights(): ReadonlyArray<readonly [number, number]> {
    return this.models;
  }
}

/** Exact minimiser of ½(w²+b²) + Σ c_i max(0, 1 − s_i(w x_i + b))² by damped Newton steps. */
export function solveSquaredHinge(x: ArrayLike<number>, s: Float64Array, c: Float64Array, n: number): [number, number] {
  let w = 0;
  let b = 0;
  const objective = (w_: number, b_: number): number => {
    let f = 0.5 * (w_ * w_ + b_ * b_);
    for (let i = 0; i < n; i++) {
      const m = 1 - s[i] * (w_ * x[i] + b_);
      if (m > 0) f += c[i] * m * m;
    }
    return f;
  };
  let f = objective(w, b);
  for (let iter = 0; iter < 100; iter++) {
    // Gradient and (generalised) Hessian over the samples inside the margin.
    let gw = w;
    let gb = b;
    let hww = 1;
    let hwb = 0;
    let hbb = 1;
    for (let i = 0; i < n; i++) {
      const m = 1 - s[i] * (w * x[i] + b);
      if (m <= 0) continue;
      const k = 2 * c[i];
      gw -= k * m * s[i] * x[i];
      gb -= k * m * s[i];
      hww += k * x[i] * x[i];
      hwb += k * x[i];
      hbb += k;
    }
    const gnorm = Math.hypot(gw, gb);
    if (gnorm < 1e-10 * Math.max(1, Math.abs(f))) break;
    const det = hww * hbb - hwb * hwb;
    const dw = -(hbb * gw - hwb * gb) / det;
    const db = -(hww * gb - hwb * gw) / det;
    let step = 1;
    let fNew = objective(w + dw, b + db);
    const slope = gw * dw + gb * db;
    while (fNew > f + 1e-4 * step * slope && step > 1e-12) {
      step *= 0.5;
      fNew = objective(w + step * dw, b + step * db);
    }
    const moved = Math.abs(step * dw) + Math.abs(step * db);
    w += step * dw;
    b += step * db;
    const fOld = f;
    f = fNew;
    if (moved < 1e-14 * (1 + Math.abs(w) + Math.abs(b)) || fOld - f <= 1e-15 * Math.max(1, Math.abs(fOld))) break;
  }
  return [w, b];
}
