import { UntangleError } from '../../../framework/util/errors.ts';
import { encodeLabels } from '../labels.ts';
import { minimizeLbfgs } from './lbfgs.ts';

/**
 * L2-regularised logistic regression with the semantics of sklearn's `LogisticRegression()`
 * defaults (penalty 'l2', C = 1, solver 'lbfgs', tol 1e-4, fit_intercept, intercept not
 * penalised), used by the β-VAE score and by explicitness:
 *  - more than two classes: one multinomial (softmax) model over all classes;
 *  - two classes: a single binary logistic model (weights for class 0 pinned at zero).
 * The objective is sklearn's (≥ 1.2) scaling: mean log-loss + ‖W‖² / (2·C·n).
 *
 * Stopping uses sklearn's criteria (max |gradient| ≤ tol, or relative decrease ≤ 64·eps). The
 * iteration cap is 1000 rather than sklearn's max_iter=100: sklearn counts scipy L-BFGS-B iterations
 * (More–Thuente line search), which get further per iteration than this simpler L-BFGS, and a fit
 * that hits the cap is unconverged in sklearn too (ConvergenceWarning). With the higher cap both
 * stop on the same tolerance.
 */
export interface LogisticRegressionParams {
  C: number;
  maxIter: number;
  tol: number;
}

export const LOGISTIC_DEFAULTS: LogisticRegressionParams = { C: 1, maxIter: 1000, tol: 1e-4 };

export class LogisticRegression {
  readonly params: LogisticRegressionParams;
  classes: Int32Array = new Int32Array(0);
  /** K × (d + 1) row-major: weights then intercept per class (class 0 all zero when K = 2). */
  coef: Float64Array = new Float64Array(0);
  iterations = 0;
  converged = false;
  private d = 0;

  constructor(params: Partial<LogisticRegressionParams> = {}) {
    this.params = { ...LOGISTIC_DEFAULTS, ...params };
  }

  /** x: row-major n × d. */
  fit(x: Float64Array, n: number, d: number, y: ArrayLike<number>): this {
    const { classes, index } = encodeLabels(y, n);
    const K = classes.length;
    if (K < 2) {
      throw new UntangleError('logreg.single_class', 'logistic regression needs at least two classes',
        { classes: Array.from(classes), n });
    }
    this.classes = classes;
    this.d = d;
    const w = d + 1;
    const firstFree = K === 2 ? 1 : 0; // binary: only class 1 has free parameters
    const freeRows = K - firstFree;
    const penalty = 1 / (this.params.C * n);
    const scores = new Float64Array(K);
    const full = new Float64Array(K * w);
    const objective = (theta: Float64Array, grad: Float64Array): number => {
      full.fill(0);
      full.set(theta, firstFree * w);
      grad.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const xi = i * d;
        let mx = -Infinity;
        for (let k = 0; k < K; k++) {
          let z = full[k * w + d];
          for (let j = 0; j < d; j++) z += full[k * w + j] * x[xi + j];
          scores[k] = z;
          if (z > mx) mx = z;
        }
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(scores[k] - mx);
        const lse = mx + Math.log(sum);
        loss += lse - scores[index[i]];
        for (let k = firstFree; k < K; k++) {
          const r = Math.exp(scores[k] - lse) - (index[i] === k ? 1 : 0);
          const g0 = (k - firstFree) * w;
          for (let j = 0; j < d; j++) grad[g0 + j] += r * x[xi + j];
          grad[g0 + d] += r;
        }
      }
      let reg = 0;
      for (let r = 0; r < freeRows; r++) {
        for (let j = 0; j < d; j++) {
          const v = theta[r * w + j];
          reg += v * v;
          grad[r * w + j] = grad[r * w + j] / n + penalty * v;
        }
        grad[r * w + d] /= n;
      }
      return loss / n + 0.5 * penalty * reg;
    };
    const res = minimizeLbfgs(objective, new Float64Array(freeRows * w), {
      maxIter: this.params.maxIter, gtol: this.params.tol,
    });
    this.coef = new Float64Array(K * w);
    this.coef.set(res.x, firstFree * w);
    this.iterations = res.iterations;
    this.converged = res.converged;
    return this;
  }

  /** n × K class probabilities (columns in `classes` order). */
  predictProba(x: Float64Array, n: number): Float64Array {
    const K = this.classes.length;
    const d = this.d;
    const w = d + 1;
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) {
        let z = this.coef[k * w + d];
        for (let j = 0; j < d; j++) z += this.coef[k * w + j] * x[i * d + j];
        out[i * K + k] = z;
        if (z > mx) mx = z;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(out[i * K + k] - mx);
        out[i * K + k] = e;
        sum += e;
      }
      for (let k = 0; k < K; k++) out[i * K + k] /= sum;
    }
    return out;
  }

  predict(x: Float64Array, n: number): Int32Array {
    const K = this.classes.length;
    const proba = this.predictProba(x, n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (proba[i * K + k] > proba[i * K + best]) best = k;
      out[i] = this.classes[best];
    }
    return out;
  }
}
